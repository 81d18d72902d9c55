"""The red-packet storm in process (not collected by default: run it by path, on PostgreSQL).

    DATABASE_URL=postgres://... nice -n 19 .venv/bin/pytest tests/wallet/bench_packet_storm.py -q -s -p no:cacheprovider

500 members grab a 100-share lucky packet from BENCH_THREADS threads (default 50) with the services
directly: wall time for all 500, the slowest answer, and the statements of one claim's transaction.
BENCH_QUEUE=1 puts PostgreSQL's grabs through the in-process queue as well."""

import collections
import os
import threading
import time

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from apps.wallet import services
from apps.wallet.ledger import audit
from apps.wallet.models import Grab
from apps.wallet.services import packets

from .conftest import PIN, key
from .test_concurrency import _no_rate_limit, _storm_group, run_all  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_storm(monkeypatch):
    workers = int(os.environ.get("BENCH_THREADS", "50"))
    if os.environ.get("BENCH_QUEUE"):  # the in-process grab queue on PostgreSQL too
        monkeypatch.setattr(packets, "_QUEUED_VENDORS", {"sqlite", "postgresql"})
    conv, members = _storm_group(501)
    sender, first, crowd = members[0], members[1], members[2:]
    services.topup(actor=sender, amount="201", pin=PIN, idempotency_key=key())
    services.account_for(first)
    small = services.packet_create(
        actor=sender,
        conversation_id=conv.pk,
        kind="lucky",
        amount="1",
        count=2,
        pin=PIN,
        idempotency_key=key(),
    )
    with CaptureQueriesContext(connection) as one:  # a share, not the last
        services.packet_grab(actor=first, pk=small.pk)
    packet = services.packet_create(
        actor=sender,
        conversation_id=conv.pk,
        kind="lucky",
        amount="200",
        count=100,
        pin=PIN,
        idempotency_key=key(),
    )
    sqls = [q["sql"] for q in one.captured_queries]
    print(f"\none claim (warm accounts): {len(sqls)} statements")
    for s in sqls:
        print("   ", s[:110])
    connections.close_all()
    slowest = []

    def grab(u):
        t = time.perf_counter()
        try:
            return services.packet_grab(actor=u, pk=packet.pk)
        finally:
            slowest.append(time.perf_counter() - t)

    waits, done, waiting_in = [], threading.Event(), collections.Counter()

    def sample_lock_waits():  # PostgreSQL's view of the storm: how many backends wait on a lock, every 5 ms
        with connections["default"].cursor() as cursor:
            while not done.is_set():
                cursor.execute(
                    "SELECT left(query, 30) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()"
                )
                rows = cursor.fetchall()
                waits.append(len(rows))
                waiting_in.update(q for (q,) in rows)
                time.sleep(0.005)
        connections.close_all()

    sampler = threading.Thread(target=sample_lock_waits)
    sampler.start()
    t0 = time.perf_counter()
    results = run_all(grab, crowd, workers=workers)
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    got = [r for r in results if isinstance(r, Grab)]
    print(
        f"{connection.vendor}, {workers} threads: 500 grabs in {wall:.2f} s, slowest {max(slowest):.2f} s,"
        f" {len(got)} shares, {len(results) - len(got)} too late; backends waiting on a lock:"
        f" {sum(waits) / len(waits):.1f} on average, {max(waits)} at most ({len(waits)} samples)"
    )
    print("waiting in:", dict(waiting_in.most_common(4)))
    assert len(got) == 100 and audit() == []
