"""The shared cache holds a full room's sessions, so a storm of requests does not read them from the database."""

from importlib import import_module

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext


def test_a_room_of_a_thousand_keeps_every_session_in_the_cache(db):
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for n in range(1000):
        session = store()
        session["n"] = n
        session.create()
        keys.append(session.session_key)
    with CaptureQueriesContext(connection) as queries:
        loaded = [store(key).load()["n"] for key in keys]
    assert loaded == list(range(1000))
    assert len(queries) == 0  # each one from the cache (Django's locmem default of 300 entries dropped most)


def test_requests_share_one_redis_connection_pool_per_process():
    """Django builds a cache object per thread and per asyncio context, so under ASGI one per request; each
    used to open its own Redis connection (Django ticket #35651). A hundred requests' cache objects now share
    the process's pool."""
    import redis

    from apps.core.cache import SharedPoolRedisCache
    from tests.conftest import redis_url_or_skip

    url = redis_url_or_skip()
    admin = redis.Redis.from_url(url)
    opened_before = admin.info("stats")["total_connections_received"]
    for n in range(100):
        per_request = SharedPoolRedisCache(
            url, {"KEY_PREFIX": "t_shared_pool"}
        )  # as Django makes per context
        per_request.set(f"n{n}", n)
        assert per_request.get(f"n{n}") == n
    opened = admin.info("stats")["total_connections_received"] - opened_before
    assert opened <= 2, f"{opened} new Redis connections for 100 requests"
