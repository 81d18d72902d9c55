"""Django's Redis cache with one connection pool per process instead of one per request.

Django keeps a cache object per thread *and* per asyncio context (`caches` is an asgiref `Local`), and each
object builds its own `redis.ConnectionPool`. Under ASGI every request runs in a fresh context, so every request
opened a new TCP connection to Redis (plus redis-py's handshake) just to read its session: a fifth of the chat
list's time on PostgreSQL + Redis (Django ticket #35651, still open). redis-py's pools and clients are
thread-safe, so the client that owns the pools is shared by every cache object of the process with the same
settings; redis-py itself replaces a pool's connections in a forked child.
"""

import threading

from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property

_clients: dict = {}
_lock = threading.Lock()


class SharedPoolRedisCache(RedisCache):
    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
