"""HTTP admission control: a burst waits in the event loop instead of becoming hundreds of threads."""

import asyncio
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from apps.core.admission import BoundedHTTP


def run(scenario):
    """Run `scenario()` on an event loop of its own thread (the suite's browser tests keep one running here)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, scenario()).result()


def test_a_burst_runs_at_most_the_limit_at_once_and_every_request_is_answered():
    running, most, answered = 0, 0, 0

    async def app(scope, receive, send):
        nonlocal running, most, answered
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        answered += 1

    bounded = BoundedHTTP(app, limit=2)

    async def burst():
        await asyncio.gather(*(bounded({"type": "http"}, None, None) for _ in range(20)))

    run(burst)
    assert (most, answered) == (2, 20)


def test_websockets_are_not_held_in_line():
    async def scenario():
        holding = asyncio.Event()

        async def app(scope, receive, send):
            if scope["type"] == "http":
                await holding.wait()  # a slow page that keeps its slot

        bounded = BoundedHTTP(app, limit=1)
        page = asyncio.ensure_future(bounded({"type": "http"}, None, None))
        await asyncio.wait_for(bounded({"type": "websocket"}, None, None), timeout=5)
        holding.set()
        await page

    run(scenario)


def test_the_served_application_bounds_http(settings):
    from socialdemo.asgi import application

    http = application.application_mapping["http"]
    assert isinstance(http, BoundedHTTP) and http.limit == settings.HTTP_REQUESTS_AT_ONCE


def _get(application, path: str):
    """One GET through the served ASGI application, in process; returns the status."""

    async def scenario():
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
        }  # fmt: skip
        sent, status = False, []

        async def receive():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # the client stays connected

        async def send(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await application(scope, receive, send)
        return status[0]

    return scenario


@pytest.mark.django_db(transaction=True)
def test_requests_run_on_the_workers_few_long_lived_threads_and_keep_their_connections(settings):
    """A request starts no thread and opens no connection: both used to cost a third of a small request."""
    from django.core.signals import request_started
    from django.db.backends.signals import connection_created

    from socialdemo.asgi import application

    threads, connections = set(), []

    def started(**kwargs):
        threads.add(threading.get_ident())

    def created(sender, connection, **kwargs):
        connections.append(connection)

    request_started.connect(started)
    connection_created.connect(created)
    try:

        async def six_in_turn():
            return [await _get(application, "/healthz")() for _ in range(6)]

        assert run(six_in_turn) == [200] * 6
    finally:
        request_started.disconnect(started)
        connection_created.disconnect(created)
    assert len(threads) <= settings.HTTP_REQUESTS_AT_ONCE  # a new thread per request: 6
    if "pool" not in settings.DATABASES["default"].get("OPTIONS", {}):  # a pool hands one out per request
        assert len(connections) <= settings.HTTP_REQUESTS_AT_ONCE  # a new connection per request: 6


@pytest.mark.django_db(transaction=True)
def test_a_request_enters_djangos_code_in_one_hop(monkeypatch):
    """Django's async middleware chain hopped between the event loop and the thread ~17 times a request."""
    from asgiref.sync import SyncToAsync

    from socialdemo.asgi import application

    hops = 0
    real_call = SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        nonlocal hops
        hops += 1
        return await real_call(self, *args, **kwargs)

    run(_get(application, "/healthz"))  # warm up: the first request also builds what is cached
    monkeypatch.setattr(SyncToAsync, "__call__", counting)
    assert run(_get(application, "/healthz")) == 200
    # request_started, the middleware chain with the view, the response's close (request_finished)
    assert hops <= 3


@pytest.mark.parametrize(
    ("database_url", "lanes"),
    [("sqlite:///unused.sqlite3", "1"), ("postgres://postgres@127.0.0.1:5432/unused", "2")],
)
def test_a_worker_runs_one_request_at_a_time_on_sqlite_and_two_on_postgresql(database_url, lanes):
    """SQLite has one writer and no network wait to overlap: a second lane only took turns from the event loop."""
    env = {k: v for k, v in os.environ.items() if k != "HTTP_REQUESTS_AT_ONCE"}
    shown = "from django.conf import settings; print(settings.HTTP_REQUESTS_AT_ONCE)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", shown],
        cwd=Path(__file__).resolve().parents[2],
        env={**env, "DEBUG": "1", "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == lanes


def test_a_requests_events_leave_from_the_event_loop_after_it_never_from_its_lane(monkeypatch):
    """The lane's thread must not block on the loop once per event (async_to_sync); the loop sends them."""
    from asgiref.sync import sync_to_async

    from apps.core import events

    sent = []

    async def deliver_async(items):
        sent.extend(items)

    def blocking_hop(*args, **kwargs):
        raise AssertionError("an event was sent from the lane's thread")

    monkeypatch.setattr(events, "deliver_async", deliver_async)
    monkeypatch.setattr(events, "async_to_sync", blocking_hop)
    monkeypatch.setattr(events, "get_channel_layer", lambda: object())

    def view():  # what a service does inside a request: publish, then commit
        events._send([7], {"type": "event.push", "text": "{}"})

    async def app(scope, receive, send):
        await sync_to_async(view, thread_sensitive=True)()

    run(lambda: BoundedHTTP(app, limit=1)({"type": "http"}, None, None))
    assert sent == [([7], {"type": "event.push", "text": "{}"})]
