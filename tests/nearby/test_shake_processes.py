"""Shake under a crowd, across worker processes: 200 people on two Uvicorn server processes (PostgreSQL + the
channels-redis layer, as the scale-out runs) shake at the same moment over their websockets. Each hears
exactly one outcome, matched or nobody found; pairs are mutual, never oneself, never someone blocked, nobody
twice; whoever is left alone could not have been paired with anyone else left alone.

The servers are real processes (bench/_serve.py: `make demo`'s Uvicorn command), so the matching state they
share can only be the database's rows and Redis, not one process's memory; each runs the periodic jobs too.
"""

import asyncio
import json
import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from time_machine import escape_hatch

from apps.accounts.models import Block, User
from apps.core import clock
from apps.nearby import grid, services
from apps.nearby.models import ShakeAttempt
from bench._serve import Server
from tests.concurrency import require_postgresql
from tests.conftest import redis_url_or_skip, session_key_for
from tests.core.test_sessions import Tab

CROWD = 200
# Each shake stays open this long in the servers: far longer than the crowd takes to shake, even on a loaded
# two-core machine, so every shake is open while the last one looks for a partner; the "nobody found" news
# then comes this long after the shakes.
WINDOW = 12
RESULTS = {"nearby.shake.matched", "nearby.shake.none"}


def _database_url() -> str:
    """The test database (pytest-django's `test_…`), as a DATABASE_URL for the server processes."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def two_servers(transactional_db):
    """Two server processes on this test's database (committed rows) and one Redis; stopped before the
    database is emptied."""
    require_postgresql("Shake across worker processes")
    redis = redis_url_or_skip()
    if escape_hatch.is_travelling() and escape_hatch.time.time() > time.time() + 60:
        # (--fake-now: `make test` travels to the future, where the rows this test writes are still valid on
        # the servers' real clock; from the past, every presence and session would have lapsed there.)
        pytest.skip("the server processes run on the machine's clock, not on a --fake-now in the past")
    env = {
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis,
        # The test's own prefix when it runs on Redis (the sessions it makes are in that cache); else one of
        # this run's own, apart from anybody else's keys.
        "REDIS_PREFIX": settings.REDIS_PREFIX if settings.REDIS_URL else f"shaketest{os.getpid()}",
        "SHAKE_WINDOW_SECONDS": str(WINDOW),
        "DB_POOL_MAX": "8",  # two servers and the test well inside max_connections, beside other runs
        "CONN_MAX_AGE": "0",
    }
    with ThreadPoolExecutor(2) as pool:
        starting = [pool.submit(Server, workers=1, env=env) for _ in range(2)]
    servers = [s.result() for s in starting if s.exception() is None]
    try:
        for s in starting:
            if s.exception() is not None:
                raise s.exception()
        yield servers
    finally:
        for server in servers:
            server.stop()
            print(f"server {server.base} log:\n{server.log_text()[-3000:]}")  # shown if the test failed


def _crowd() -> tuple[list[User], set[frozenset]]:
    """CROWD people placed in three cities; the first has blocked everybody else (they can only be alone), and
    twenty pairs block each other (one of each pair on each server)."""
    now = clock.now()
    people = User.objects.bulk_create(
        User(username=f"shaker{i}", public_id=f"shaker{i:04d}", display_name=f"Shaker {i}")
        for i in range(CROWD)
    )
    for i, person in enumerate(people):
        city = ("shanghai", "anshan", "beijing")[i % 3]
        cell = grid.snap(*grid.city_spot(city, (i * 7) % 100, (i * 13) % 100))
        services.presence_put(person, cell, place=city, period="1h", visible=True)
    hermit, others = people[0], people[1:]
    pairs = [(others[2 * k], others[2 * k + 1]) for k in range(20)]
    Block.objects.bulk_create(
        [Block(blocker=hermit, blocked=p, created_at=now) for p in others]
        + [Block(blocker=a, blocked=b, created_at=now) for a, b in pairs]
    )
    blocked = {frozenset((hermit.pk, p.pk)) for p in others} | {frozenset((a.pk, b.pk)) for a, b in pairs}
    return people, blocked


async def _shake_together(servers, sessions: list[str]) -> list[dict]:
    """Open every person's tab (alternating servers), then shake them all at once; per person, the ack and
    every outcome event heard until a while after the last outcome."""
    gate = asyncio.Semaphore(25)  # connect in waves: the handshakes are not what is tested

    async def open_tab(i, key):
        async with gate:
            return await Tab(servers[i % 2].base, key).open()

    tabs = await asyncio.gather(*(open_tab(i, key) for i, key in enumerate(sessions)))

    async def shake(tab):
        heard = {"ack": None, "outcomes": []}
        await tab.ws.send(json.dumps({"type": "nearby.shake", "ref": "shake", "data": {}}))
        while heard["ack"] is None or not heard["outcomes"]:
            frame = await tab.next(timeout=WINDOW + 30)
            if frame["type"] == "ack":
                heard["ack"] = frame["data"]
            elif frame["type"] == "error":
                raise AssertionError(f"a shake was refused: {frame}")
            elif frame["type"] in RESULTS:
                heard["outcomes"].append(frame)
        return heard

    try:
        heard = await asyncio.gather(*(shake(tab) for tab in tabs))

        async def listen_on(tab, heard):  # a second outcome would come within a periodic round or two
            try:
                while True:
                    frame = await tab.next(timeout=2.5)
                    if frame["type"] in RESULTS:
                        heard["outcomes"].append(frame)
            except TimeoutError:
                pass

        await asyncio.gather(*(listen_on(tab, h) for tab, h in zip(tabs, heard, strict=True)))
        return heard
    finally:
        await asyncio.gather(*(tab.ws.close() for tab in tabs))


def test_a_crowd_shaking_on_two_worker_processes_is_paired_fairly(two_servers):
    people, blocked = _crowd()
    sessions = [session_key_for(person) for person in people]

    heard = asyncio.run(_shake_together(two_servers, sessions))
    for server in two_servers:  # no shake, claim or periodic round failed in either process
        assert "Traceback" not in server.log_text(), server.log_text()[-3000:]

    assert all(h["ack"]["window_ms"] == WINDOW * 1000 for h in heard)
    by_user = {person.pk: h for person, h in zip(people, heard, strict=True)}
    shakes = {a.pk: a for a in ShakeAttempt.objects.all()}
    owners = Counter(a.user_id for a in shakes.values())
    assert owners == Counter(list(by_user))  # one shake each: nobody shook twice at once
    span = max(a.created_at for a in shakes.values()) - min(a.created_at for a in shakes.values())

    for user_id, h in by_user.items():
        mine = shakes[h["ack"]["shake"]]
        assert mine.user_id == user_id
        # Exactly one outcome, about this shake, and the one the database holds.
        assert [(o["type"], o["data"]["shake"]) for o in h["outcomes"]] == [
            (
                "nearby.shake.matched" if mine.state == ShakeAttempt.State.MATCHED else "nearby.shake.none",
                mine.pk,
            )
        ]
        assert mine.state in (ShakeAttempt.State.MATCHED, ShakeAttempt.State.ALONE)

    matched = [a for a in shakes.values() if a.state == ShakeAttempt.State.MATCHED]
    for a in matched:
        partner = shakes[a.partner_id]
        assert partner.partner_id == a.pk  # mutual: A's partner is B exactly when B's is A
        assert partner.user_id != a.user_id  # never oneself
        assert frozenset((a.user_id, partner.user_id)) not in blocked  # never someone blocked, either way
    alone = [a.user_id for a in shakes.values() if a.state == ShakeAttempt.State.ALONE]
    # Paired as far as possible: any two people left alone had blocked each other (if every shake was open at
    # once, that is: the crowd shook within `span`).
    assert all(frozenset((a, b)) in blocked for a in alone for b in alone if a != b), (alone, span)
    # So: the one who blocked everybody, and one of the 199 others (an odd number; the blocked pairs are
    # disjoint, so no two others left over can have blocked each other).
    assert people[0].pk in alone and len(alone) == 2
    # Person i shook on server i % 2: pairs across the two processes were made from the shared rows.
    server_of = {person.pk: i % 2 for i, person in enumerate(people)}
    assert any(server_of[a.user_id] != server_of[shakes[a.partner_id].user_id] for a in matched)
    assert all(a.row is None and a.col is None for a in shakes.values())  # no cell kept once over
