"""A chat write beside a stream of payments on the embedded default's SQLite, with Django's own SQLite backend
(the baseline, in the same run) and with the app's (apps/core/sqlite3: writers take turns, first come first
served).

Three threads each write back-to-back transactions (20 inserts and 4 ms of work, a payment's shape); a fourth
writes one row every 20 ms, 150 times, and times each of its transactions from asking to committed. With
Django's backend SQLite's busy handler sleeps (1, 2, 5 … 100 ms) and the payers take the database again first.

    make bench ONLY=sqlite_writers
"""

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENGINES = {
    "Django's SQLite backend (baseline)": "django.db.backends.sqlite3",
    "apps.core.sqlite3": "apps.core.sqlite3",
}
PAYERS, WRITES, EVERY_S, WORK_S = 3, 150, 0.02, 0.004
BUDGET_S = 30  # the chat thread stops asking after this long (a write may wait SQLite's 20 s busy timeout)


def child() -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='socialdemo-writers-')}/w.sqlite3"
    from _django import setup

    setup(seed=False)
    from django.db import OperationalError, connection, connections, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_writes (v INTEGER)")
    stop = threading.Event()

    def payer():
        while not stop.is_set():
            with transaction.atomic(), connection.cursor() as cursor:
                for _ in range(20):
                    cursor.execute("INSERT INTO bench_writes (v) VALUES (1)")
                busy_until = time.perf_counter() + WORK_S
                while time.perf_counter() < busy_until:
                    pass
        connections.close_all()

    waits, failed = [], 0

    def chatter():
        nonlocal failed
        give_up = time.perf_counter() + BUDGET_S
        for _ in range(WRITES):
            if time.perf_counter() > give_up:
                break
            time.sleep(EVERY_S)
            asked = time.perf_counter()
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("INSERT INTO bench_writes (v) VALUES (2)")
            except OperationalError:
                failed += 1
                continue
            waits.append(1000 * (time.perf_counter() - asked))
        connections.close_all()

    payers = [threading.Thread(target=payer) for _ in range(PAYERS)]
    for t in payers:
        t.start()
    chat = threading.Thread(target=chatter)
    chat.start()
    chat.join()
    stop.set()
    for t in payers:
        t.join()
    waits.sort()
    pick = lambda q: f"{waits[min(len(waits) - 1, int(q * len(waits)))]:.1f}" if waits else "—"  # noqa: E731
    print(
        f"{statistics.median(waits) if waits else 0:.1f}|{pick(0.9)}|{pick(0.99)}|{failed}|{len(waits)}",
        flush=True,
    )


def main() -> int:
    from _django import table

    rows = []
    for name, engine in ENGINES.items():
        env = {**os.environ, "SQLITE_ENGINE": engine}
        env.pop("DATABASE_URL", None)
        out = (
            subprocess.run(
                [sys.executable, __file__, "child"],
                cwd=HERE.parent,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        p50, p90, p99, failed, done = out.split("|")
        rows.append([name, p50, p90, p99, failed, f"{done} of {WRITES}"])
    table(
        f"a chat write beside {PAYERS} payers writing back-to-back (SQLite, WAL, IMMEDIATE)",
        ["backend", "p50 ms", "p90 ms", "p99 ms", '"database is locked"', f"written within {BUDGET_S} s"],
        rows,
    )
    print(
        "  target: with the app's backend every write done, none refused, p99 under 100 ms (3 payers ahead at most)"
    )
    ok = float(rows[1][3]) < 100 and rows[1][4] == "0" and rows[1][5] == f"{WRITES} of {WRITES}"
    print("  " + ("pass" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    if sys.argv[1:] == ["child"]:
        child()
    else:
        sys.exit(main())
