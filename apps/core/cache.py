"""Django's Redis cache with one connection pool per process instead of one per request.

Django keeps a cache object per thread *and* per asyncio context (`caches` is an asgiref `Local`), and each
object builds its own `redis.ConnectionPool`. Under ASGI every request runs in a fresh context, so every request
opened a new TCP connection to Redis (plus redis-py's handshake) just to read its session: a fifth of the chat
list's time on PostgreSQL + Redis (Django ticket #35651, still open). redis-py's pools and clients are
thread-safe, so the client that owns the pools is shared by every cache object of the process with the same
settings; redis-py itself replaces a pool's connections in a forked child. The `redis.Redis` in front of each
pool is shared the same way: Django builds a new one for every cache call, and building one costs more than the
session read it makes (redis-py fills a table of ~170 response callbacks each time).
"""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict = {}
_lock = threading.Lock()


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients_by_pool: dict = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients_by_pool.get(pool)
        if client is None:  # a race makes two, one of which is kept: both are usable
            client = self._clients_by_pool[pool] = self._client(connection_pool=pool)
        return client


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
