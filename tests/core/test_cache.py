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
