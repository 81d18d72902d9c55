"""The shared cache holds a full room's sessions, so a storm of requests does not read them from the database."""

from importlib import import_module

import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core import cache as shared_cache
from apps.core.cache import SharedPoolRedisCache
from tests.conftest import redis_url_or_skip


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


class CountedConnection(redis.Connection):
    opened = 0

    def on_connect_check_health(self, *args, **kwargs):
        type(self).opened += 1
        super().on_connect_check_health(*args, **kwargs)


def test_requests_share_one_redis_connection_pool_per_process():
    """Django builds a cache object per thread and per asyncio context, so under ASGI one per request; each
    used to open its own Redis connection (Django ticket #35651). A hundred requests' cache objects now share
    the process's pool."""
    url = redis_url_or_skip()
    params = {"KEY_PREFIX": "t_shared_pool", "OPTIONS": {"connection_class": CountedConnection}}
    for n in range(100):
        per_request = SharedPoolRedisCache(url, params)  # as Django makes one per context
        per_request.set(f"n{n}", n)
        assert per_request.get(f"n{n}") == n
    assert CountedConnection.opened == 1


def test_cache_calls_share_one_redis_client(monkeypatch):
    """Django builds a `redis.Redis` for every cache call, and building one costs more than a session read."""
    url = redis_url_or_skip()
    built = []
    original = redis.Redis.__init__

    def counted(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counted)
    monkeypatch.setattr(shared_cache, "_clients", {})  # none made before this test
    per_request = SharedPoolRedisCache(url, {"KEY_PREFIX": "t_shared_client"})
    for n in range(100):
        per_request.set(f"n{n}", n)
        assert per_request.get(f"n{n}") == n
    assert len(built) == 1
