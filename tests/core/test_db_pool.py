"""PostgreSQL connections come from a bounded pool: a burst waits for a connection instead of failing with
"too many clients", settings keep CONN_MAX_AGE and the pool in agreement, and websocket actions hand their
connections back. The pool tests run in `make test`'s PostgreSQL pass."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection, connections

from apps.core import consumers
from socialdemo.asgi import application
from socialdemo.settings import database_config
from tests.conftest import need_service, session_key_for

ROOT = Path(__file__).resolve().parent.parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432/test"


def _need_postgresql():
    if connection.vendor == "postgresql":
        return
    parts = urlparse(PG_URL)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    except OSError:
        need_service(f"PostgreSQL at {parts.hostname}:{parts.port} (the pool tests run on it)")
    pytest.skip("runs in make test's PostgreSQL pass (DATABASE_URL=postgres://…)")


def _admin_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgresql://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _checked_out(pool) -> int:
    stats = pool.get_stats()
    return stats["pool_size"] - stats["pool_available"]


def _wait_for(condition, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.01)


def _ask_every_action_thread():
    """Whether each websocket action thread holds a database connection, asked of all of them at once."""
    together = threading.Barrier(consumers.ACTION_THREADS)

    def holds_a_connection() -> bool:
        together.wait(timeout=10)  # one question per thread: none can answer two
        return connections["default"].connection is not None

    return [consumers._actions.submit(holds_a_connection) for _ in range(consumers.ACTION_THREADS)]


@database_sync_to_async
def _open_tab(user) -> WebsocketCommunicator:
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key_for(user)}".encode()
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000"), (b"cookie", cookie)]
    return WebsocketCommunicator(application, "/ws/", headers=headers)


# --- Settings: the pool and CONN_MAX_AGE agree -----------------------------------------------------------


def test_postgresql_gets_a_pool_sized_from_the_environment_and_no_persistent_connections():
    config = database_config(
        PG_URL, {"DB_POOL_MIN": "1", "DB_POOL_MAX": "7", "DB_POOL_TIMEOUT": "12", "CONN_MAX_AGE": "0"}
    )
    assert config["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 7, "timeout": 12}
    assert config["CONN_MAX_AGE"] == 0


def test_a_pooled_connection_is_not_tested_each_time_it_is_taken():
    # the pool's check would cost a round trip on every request (settings.py, database_config)
    assert database_config(PG_URL, {})["CONN_HEALTH_CHECKS"] is False
    assert database_config(PG_URL, {"DB_POOL": "0"})["CONN_HEALTH_CHECKS"] is True


def test_pool_is_on_by_default_for_postgresql_only():
    assert database_config(PG_URL, {})["OPTIONS"]["pool"]["max_size"] == 20
    sqlite = database_config("sqlite:////tmp/x.sqlite3", {})
    assert "pool" not in sqlite["OPTIONS"]
    assert sqlite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_postgresql_statements_bind_on_the_server_and_are_prepared_after_a_few_runs():
    options = database_config(PG_URL, {})["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    for env in ({"DB_PREPARED_STATEMENTS": "0"}, {"DB_PREPARED_STATEMENTS": "0", "DB_POOL": "0"}):
        options = database_config(PG_URL, env).get("OPTIONS", {})  # for a PgBouncer in transaction mode
        assert "server_side_binding" not in options and "prepare_threshold" not in options
    assert "server_side_binding" not in database_config("sqlite:////tmp/x.sqlite3", {}).get("OPTIONS", {})


@pytest.mark.services
@pytest.mark.django_db
def test_a_statement_run_again_and_again_is_planned_once():
    """PostgreSQL plans a prepared statement once per connection, not on each run (the chat list's queries)."""
    _need_postgresql()
    with connection.cursor() as cursor:
        for n in range(6):
            cursor.execute("SELECT COUNT(*) FROM accounts_user WHERE id > %s", [n])
        cursor.execute(
            "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%accounts_user%"]
        )
        assert cursor.fetchone()[0] == 1


def test_persistent_connections_with_the_pool_are_refused_with_a_clear_message():
    with pytest.raises(ImproperlyConfigured, match=r"CONN_MAX_AGE=60 .*DB_POOL=0"):
        database_config(PG_URL, {"CONN_MAX_AGE": "60"})


def test_turning_the_pool_off_brings_persistent_connections_back():
    config = database_config(PG_URL, {"DB_POOL": "0", "CONN_MAX_AGE": "60"})
    assert "pool" not in config.get("OPTIONS", {})
    assert config["CONN_MAX_AGE"] == 60


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DB_POOL_MAX": "lots"}, "DB_POOL_MAX must be a whole number"),
        ({"DB_POOL_MIN": "30", "DB_POOL_MAX": "20"}, r"DB_POOL_MIN \(30\) must be between 0 and DB_POOL_MAX"),
        ({"DB_POOL_MAX": "0", "DB_POOL_MIN": "0"}, "DB_POOL_MAX at least 1"),
        ({"DB_POOL_TIMEOUT": "0"}, "DB_POOL_TIMEOUT is in seconds"),
    ],
)
def test_bad_pool_sizes_are_refused_with_a_clear_message(env, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_config(PG_URL, env)


def test_the_app_refuses_to_start_with_both_a_pool_and_conn_max_age():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "DATABASE_URL": PG_URL, "CONN_MAX_AGE": "300"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "CONN_MAX_AGE=300 asks for persistent connections" in result.stderr


# --- The pool on PostgreSQL ------------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_burst_beyond_the_pool_waits_for_connections_and_every_query_succeeds():
    _need_postgresql()
    pool = connection.pool
    assert pool is not None, "PostgreSQL connections must come from the pool"
    connections.close_all()  # this thread's connection goes back too: the burst may use all of them
    # Every connection the pool may still open (earlier tests' long-lived threads may keep some).
    size = pool.max_size - _checked_out(pool)
    release = threading.Event()
    holding = threading.Semaphore(0)
    results: list = []

    def query(hold: bool):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                results.append(cursor.fetchone()[0])
            if hold:
                holding.release()
                release.wait(60)
        except Exception as exc:
            results.append(exc)
        finally:
            connections.close_all()

    holders = [threading.Thread(target=query, args=(True,)) for _ in range(size)]
    for t in holders:
        t.start()
    for _ in holders:  # every connection the pool may open is now in use
        assert holding.acquire(timeout=30)
    extra = [threading.Thread(target=query, args=(False,)) for _ in range(10)]
    for t in extra:
        t.start()
    # Beyond max_size the burst queues for a connection rather than opening one more (or failing).
    _wait_for(lambda: pool.get_stats()["requests_waiting"] == len(extra), "the extra threads to queue")
    release.set()
    for t in holders + extra:
        t.join(60)

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert len(results) == size + len(extra)
    assert len(set(results)) <= size  # the waiting threads reused pooled connections


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_fails_one_request_and_is_then_discarded():
    """What not testing each connection costs: the request that gets a dropped one fails (and rolls back),
    the pool discards that connection, and the next request gets a working one."""
    _need_postgresql()
    connections.close_all()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        dropped = cursor.fetchone()[0]
    connections.close_all()  # back to the pool, as at the end of a request
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [dropped])
    pids = []
    for _ in range(connection.pool.max_size + 1):  # until the dropped one has come round
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.append(cursor.fetchone()[0])
        except OperationalError:
            pids.append("failed")
        finally:
            connections.close_all()
        if "failed" in pids:
            break
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != dropped
    connections.close_all()
    assert pids.count("failed") == 1 and dropped not in pids  # one request, once


@pytest.mark.services
def test_websocket_actions_hand_their_connections_back_to_the_pool():
    """Run in a fresh process: in this one, threads of earlier tests may keep connections of their own."""
    _need_postgresql()
    isolated = f"{__file__}::test_in_a_fresh_process_websocket_actions_hand_connections_back"
    env = {
        **os.environ,
        "POOL_TEST_ISOLATED": "1",
        "TEST_DB_NAME": settings.DATABASES["default"]["NAME"] + "_iso",
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", isolated],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.django_db(transaction=True)
async def test_in_a_fresh_process_websocket_actions_hand_connections_back(liwei, wangfang, tom):
    if not os.environ.get("POOL_TEST_ISOLATED"):
        pytest.skip(
            "run by test_websocket_actions_hand_their_connections_back_to_the_pool in its own process"
        )
    pool = connection.pool
    assert pool is not None
    before = _checked_out(pool)
    tabs = []
    for person in (liwei, wangfang, tom, liwei):
        tab = await _open_tab(person)
        connected, _code = await tab.connect()
        assert connected
        hello = json.loads(await tab.receive_from(timeout=5))
        assert hello["type"] == "hello"  # its badges come from the database
        tabs.append(tab)
    for tab in tabs:
        await tab.disconnect()
    # A tab's last database call (presence going offline) may still be finishing in its thread.
    deadline = time.monotonic() + 5
    while _checked_out(pool) > before and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    # Every action thread holds no connection between actions (asked of each thread at once; counting the
    # pool's connections alone also counts what earlier tests' threads of this process keep).
    holding = await asyncio.gather(*(asyncio.wrap_future(f) for f in _ask_every_action_thread()))
    assert holding == [False] * consumers.ACTION_THREADS
