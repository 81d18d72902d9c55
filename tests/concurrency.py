"""The race kit: threads released together, and the skip for races only PostgreSQL can show.

SQLite lets one writer in at a time, so a missing row lock cannot show there: a test that proves a lock asks
for `postgresql` (a fixture in tests/conftest.py) and runs in `make test`'s PostgreSQL pass."""

import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest
from django.db import connection, connections

from apps.core.errors import DomainError
from tests.conftest import need_service


def at_once(fn, items, *, workers: int = 32, catch: tuple = (DomainError,)) -> list:
    """fn(item) for every item on up to `workers` threads, each with its own connection, their first calls
    released together; each result, or the exception (of the kinds in `catch`) it raised."""
    items = list(items)
    workers = min(workers, len(items))
    start, started = threading.Barrier(workers, timeout=60), threading.local()

    def call(item):
        try:
            if not getattr(started, "yes", False):  # each thread's first call: all leave together
                started.yes = True
                start.wait()
            return fn(item)
        except catch as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(call, items))


def require_postgresql(what: str) -> None:
    """Go on only on PostgreSQL; elsewhere skip, saying where `what` runs (fail in CI if it cannot run)."""
    if connection.vendor == "postgresql":
        return
    url = urlparse(os.environ.get("PG_TEST_URL", "postgres://postgres@127.0.0.1:5432/test"))
    try:
        socket.create_connection((url.hostname, url.port or 5432), timeout=2).close()
    except OSError:
        need_service(f"PostgreSQL at {url.hostname}:{url.port or 5432} ({what} runs there)")
    pytest.skip(
        f"{what} needs PostgreSQL's row locks: it runs in make test's PostgreSQL pass (SQLite has one writer)"
    )
