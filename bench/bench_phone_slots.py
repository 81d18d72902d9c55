"""What the phone slots' middleware (apps.workshop.slots) costs a request, on `make demo`'s settings (DEMO_MODE on).

Drives the ASGI callable in this process (no socket), as bench_http_entry.py: BURST GET at once, each a fresh
scope. Rows, in one run on one database:
  without   BoundedHTTP(SyncChainASGIHandler) with no slots middleware: the entry before it (the baseline)
  app       socialdemo.asgi's http entry, a page outside the prefix (every request of the room pays this)
  slot      the same entry, `/phone/1/...` with the host's main session and a slot session: the host check
            (main session read, the host's groups) and the cookie swap, paid only by the presenter's frames
Columns: wall time for the burst and CPU of the event-loop thread (medians), the burst's wall time per request.

    make bench ONLY=phone_slots
    BURST=300 .venv/bin/python bench/bench_phone_slots.py
"""

import asyncio
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

BURST = int(os.environ.get("BURST", "500"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))


def scope(path: str, cookie: str) -> dict:
    headers = [(b"host", b"127.0.0.1")] + ([(b"cookie", cookie.encode())] if cookie else [])
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": headers, "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip


async def one(app, path: str, cookie: str) -> int:
    status, sent = [], False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope(path, cookie), receive, send)
    return status[0]


async def burst(app, path: str, cookie: str) -> tuple[float, float, set]:
    await asyncio.gather(*(one(app, path, cookie) for _ in range(20)))  # warm
    started, cpu = time.perf_counter(), time.thread_time()
    statuses = await asyncio.gather(*(one(app, path, cookie) for _ in range(BURST)))
    return time.perf_counter() - started, time.thread_time() - cpu, set(statuses)


def main() -> None:
    from _django import setup, table

    setup(seed=True)
    from django.conf import settings

    settings.DEBUG = False  # as `make demo` serves
    warnings.filterwarnings("ignore", message="No directory at")
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    from apps.accounts.models import User
    from apps.core.admission import BoundedHTTP
    from socialdemo.asgi import application, django_asgi_app

    def session(user) -> str:
        s = SessionStore()
        s[SESSION_KEY], s[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[0]
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.save()
        return s.session_key

    host, emma = User.objects.get(username="james"), User.objects.get(username="emma")
    slot_cookie = f"sessionid={session(host)}; sessionid_1={session(emma)}"
    without = BoundedHTTP(django_asgi_app, limit=settings.HTTP_REQUESTS_AT_ONCE)
    cases = (
        ("without", without, "/healthz", ""),
        ("app", application, "/healthz", ""),
        ("slot", application, "/phone/1/healthz", slot_cookie),
    )
    runs: dict[str, list] = {name: [] for name, *_ in cases}
    for _round in range(ROUNDS):  # alternated: a busy moment of the machine falls on every row alike
        for name, app, path, cookie in cases:
            runs[name].append(asyncio.run(burst(app, path, cookie)))
    rows = []
    base = statistics.median(wall for wall, _cpu, _s in runs["without"])
    for name, _app, path, _cookie in cases:
        wall = statistics.median(w for w, _c, _s in runs[name])
        cpu = statistics.median(c for _w, c, _s in runs[name])
        statuses = set().union(*(s for _w, _c, s in runs[name]))
        rows.append(
            [
                name,
                path,
                f"{wall:.2f} s",
                "" if name == "without" else f"{wall / base:.2f}×",
                f"{cpu:.3f} s",
                f"{wall / BURST * 1000:.2f} ms",
                ",".join(map(str, statuses)),
            ]
        )
    table(
        f"{BURST} GET at once, in process, median of {ROUNDS} alternated rounds (SQLite, DEMO_MODE on; HTTP_REQUESTS_AT_ONCE={settings.HTTP_REQUESTS_AT_ONCE})",
        ["entry", "path", "burst", "vs without", "event-loop CPU", "per request", "statuses"],
        rows,
    )


if __name__ == "__main__":
    main()
