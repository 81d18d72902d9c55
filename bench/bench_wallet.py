"""Wallet throughput: QR payments per second with 50 concurrent payers, and the 500-member red-packet storm,
on SQLite (WAL, IMMEDIATE transactions) and PostgreSQL (row locks), each in its own process.

    make bench ONLY=wallet          # both databases (PostgreSQL skipped if unreachable)
    .venv/bin/python bench/bench_wallet.py sqlite|pg   # one of them
"""

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG_DB = "bench_wallet"
PAYERS = int(os.environ.get("WALLET_PAYERS", "50"))
PAYMENTS_EACH = int(os.environ.get("WALLET_PAYMENTS_EACH", "40"))
MEMBERS, SHARES = 500, 100
BASELINE = int(os.environ.get("WALLET_BASELINE", "200"))  # payments by one payer, back to back


def child(db: str) -> None:
    from _django import BENCH_PIN, people, setup, summary

    setup(seed=False)
    from django.db import connection, connections

    from apps.chat.models import Conversation, Membership
    from apps.core import clock
    from apps.core.errors import DomainError
    from apps.wallet import services
    from apps.wallet.ledger import audit
    from apps.wallet.models import Grab
    from apps.wallet.services import guard

    guard.PAY_LIMIT = 10**9  # read in the request guard
    pin = BENCH_PIN  # the wallet's own PIN hash, computed once and shared by every bench person

    payers = people("payer", PAYERS, pin=True)
    for u in payers:
        services.topup(actor=u, amount="1000", pin=pin, idempotency_key=f"bench-topup-{u.pk}")
    counter = iter(range(10**9))

    def pay_many(i):
        latencies = []
        try:
            for _ in range(PAYMENTS_EACH):
                started = time.perf_counter()
                services.payment_create(
                    actor=payers[i], payee=payers[(i + 1) % PAYERS], amount="1.23", pin=pin,
                    idempotency_key=f"bench-pay-{next(counter)}",
                )  # fmt: skip
                latencies.append((time.perf_counter() - started) * 1000)
        finally:
            connections.close_all()
        return latencies

    started = time.perf_counter()  # baseline: one payer, one thread, the same payments back to back
    for i in range(BASELINE):
        services.payment_create(
            actor=payers[0], payee=payers[1], amount="0.01", pin=pin, idempotency_key=f"bench-base-{i}"
        )
    baseline = BASELINE / (time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=PAYERS) as pool:
        samples = [ms for batch in pool.map(pay_many, range(PAYERS)) for ms in batch]
    elapsed = time.perf_counter() - started
    p50, p95, _mean = summary(samples)

    members = people("storm", MEMBERS, pin=True)
    conv = Conversation.objects.create(kind="group", name="Storm", owner=members[0], created_at=clock.now())
    Membership.objects.bulk_create(
        [Membership(conversation=conv, user=u, joined_at=clock.now()) for u in members]
    )
    services.topup(actor=members[0], amount="200", pin=pin, idempotency_key="bench-storm-topup")
    packet = services.packet_create(
        actor=members[0], conversation_id=conv.pk, kind="lucky", amount="200", count=SHARES, pin=pin,
        idempotency_key="bench-storm-packet",
    )  # fmt: skip

    def grab(user):
        try:
            services.packet_grab(actor=user, pk=packet.pk)
            return "share"
        except DomainError as exc:
            return exc.code
        finally:
            connections.close_all()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(grab, members))
    storm = time.perf_counter() - started
    shares = Grab.objects.filter(packet=packet)
    ok = not audit() and shares.count() == SHARES and sum(g.amount for g in shares) == 200_00
    print(
        json.dumps(
            {
                "db": f"{db} ({connection.vendor})",
                "payments": len(samples),
                "baseline": round(baseline),
                "per_s": round(len(samples) / elapsed),
                "p50": round(p50, 1),
                "p95": round(p95, 1),
                "storm_s": round(storm, 2),
                "shares": outcomes.count("share"),
                "too_late": outcomes.count("too_late"),
                "books": "balanced" if ok else "WRONG",
            }
        )
    )


def main() -> None:
    sys.path.insert(0, str(HERE))
    from _django import on_both_databases, table

    rows = on_both_databases(__file__, PG_DB)
    table(
        f"Wallet: {PAYERS} concurrent payers × {PAYMENTS_EACH} QR payments; storm: {MEMBERS} members grab a "
        f"{SHARES}-share lucky packet (50 threads)",
        ["database", "1 payer/s", "payments", f"{PAYERS} payers/s", "p50 ms", "p95 ms", "storm s", "shares", "too late",
         "books"],
        [[r["db"], r["baseline"], r["payments"], r["per_s"], r["p50"], r["p95"], r["storm_s"], r["shares"], r["too_late"], r["books"]]
         for r in rows],
    )  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    from _django import child_or_main

    child_or_main(child, main, HERE)
