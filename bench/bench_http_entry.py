"""What a request costs before any view runs: Django's stock ASGI entry against the app's (apps.core.admission).

Drives the ASGI callable in this process (no socket, so the server and clients don't blur it): BURST GET
/healthz at once, each with a fresh cookie-less scope. Rows, in one run on one database:
  stock    django.core.handlers.asgi.ASGIHandler as get_asgi_application() builds it: a thread per request,
           the middleware chain async, hopping to a thread and back for each middleware (the baseline)
  app      socialdemo.asgi's http entry: BoundedHTTP lanes (long-lived threads, kept connections) and the
           chain built synchronously, entered in one hop (SyncChainASGIHandler)
Columns: wall time for the burst, CPU of the event-loop thread, and thread hops (sync_to_async calls) per request.

    make bench ONLY=http_entry
    BURST=200 .venv/bin/python bench/bench_http_entry.py
"""

import asyncio
import os
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

BURST = int(os.environ.get("BURST", "500"))


def scope(path: str) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip


async def one(app) -> int:
    status, sent = [], False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope("/healthz"), receive, send)
    return status[0]


async def burst(app) -> tuple[float, float, float, set]:
    from asgiref.sync import SyncToAsync

    await asyncio.gather(*(one(app) for _ in range(20)))  # warm: URL resolvers, connections
    hops, real_call = 0, SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        nonlocal hops
        hops += 1
        return await real_call(self, *args, **kwargs)

    SyncToAsync.__call__ = counting
    try:
        started, cpu = time.perf_counter(), time.thread_time()
        statuses = await asyncio.gather(*(one(app) for _ in range(BURST)))
        return time.perf_counter() - started, time.thread_time() - cpu, hops / BURST, set(statuses)
    finally:
        SyncToAsync.__call__ = real_call


def main() -> None:
    from _django import setup, table

    setup(seed=False)
    from django.conf import settings
    from django.core.handlers.asgi import ASGIHandler

    settings.DEBUG = False  # as `make demo` serves
    warnings.filterwarnings("ignore", message="No directory at")  # staticfiles/ is only made by collectstatic
    from socialdemo.asgi import application

    rows = []
    measured = {}
    for name, app in (("stock", ASGIHandler()), ("app", application)):
        wall, loop_cpu, hops, statuses = asyncio.run(burst(app))
        measured[name] = wall
        ratio = "" if name == "stock" else f"{wall / measured['stock']:.2f}×"
        rows.append(
            [name, f"{wall:.2f} s", ratio, f"{loop_cpu:.2f} s", f"{hops:.0f}", ",".join(map(str, statuses))]
        )
    table(
        f"{BURST} GET /healthz at once, in process (SQLite; HTTP_REQUESTS_AT_ONCE={settings.HTTP_REQUESTS_AT_ONCE})",
        ["entry", "burst", "vs stock", "event-loop CPU", "hops/request", "statuses"],
        rows,
    )


if __name__ == "__main__":
    main()
