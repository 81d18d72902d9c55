"""Workshop mode's costs on `make demo`'s settings (DEMO_MODE=1, SQLite unless DATABASE_URL):

1. `clock.now()`, called by every rule: with DEMO_MODE off (no time machine: the baseline) and on with the clock
   moved a day (the stored offset, kept a second per process): ns per call.
2. The console's tick (apps.workshop.console.tick, once a second while a console is open) over a busy history
   (MESSAGES chat messages): with no console open, and with 0, 1, 100 and 1,000 new messages since the last
   tick; and the whole recount it does once a minute. ms and queries.
3. What the console costs a chat message: `message_send` timed with no console, then with a console open and
   ticking every second in another thread (the target: within 10 % of the baseline's median).

    make bench ONLY=workshop
"""

import os
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
MESSAGES = int(os.environ.get("WORKSHOP_MESSAGES", "200000"))
SENDS = 150


def main() -> None:
    sys.path.insert(0, str(HERE))
    from _django import setup, table

    setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.models import User
    from apps.chat import services as chat
    from apps.chat.models import Conversation, Message
    from apps.core import clock, periodic
    from apps.workshop import console, timemachine

    liwei, wangfang = User.objects.get(username="liwei"), User.objects.get(username="wangfang")
    host = User.objects.get(username="james")
    conv = chat.conversation_direct_get_or_create(a=liwei, b=wangfang)
    at = clock.now()
    top = (
        Message.objects.filter(conversation=conv).order_by("-seq").values_list("seq", flat=True).first() or 0
    )
    Message.objects.bulk_create(
        (
            Message(conversation=conv, seq=top + n, sender=liwei, text=f"m{n}", created_at=at)
            for n in range(1, MESSAGES + 1)
        ),
        batch_size=5000,
    )
    conv.last_seq = top + MESSAGES
    conv.save(update_fields=["last_seq"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after such a load: the planner then uses the id index
    print(f"{connection.vendor}: {Message.objects.count():,} messages")

    # 1. clock.now(): alternating rounds, the fastest of each (the machine's noise only ever adds)
    timemachine.clock_jump(actor=host, to="day")
    best = {False: float("inf"), True: float("inf")}
    calls = 50_000
    for round_ in range(10):
        demo = bool(round_ % 2)
        settings.DEMO_MODE = demo
        clock.now()
        started = time.perf_counter()
        for _ in range(calls):
            clock.now()
        best[demo] = min(best[demo], (time.perf_counter() - started) / calls * 1e9)
    settings.DEMO_MODE = True
    timemachine.clock_jump(actor=host, to="now")
    table(
        "clock.now(), fastest of 5 rounds of 50,000 calls",
        ["setting", "ns per call"],
        [
            ["DEMO_MODE off (baseline)", f"{best[False]:.0f}"],
            ["DEMO_MODE on, clock moved a day", f"{best[True]:.0f}"],
        ],
    )

    # 2. The tick
    def timed(fn, repeat=5):
        samples, queries = [], 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as q:
                started = time.perf_counter()
                fn()
                samples.append((time.perf_counter() - started) * 1000)
            queries = len(q.captured_queries)
        return statistics.median(samples), queries

    def add(n):
        last = Message.objects.filter(conversation=conv).order_by("-seq").values_list("seq", flat=True)[0]
        Message.objects.bulk_create(
            Message(conversation=conv, seq=last + i, sender=liwei, text="x", created_at=at)
            for i in range(1, n + 1)
        )
        Conversation.objects.filter(pk=conv.pk).update(last_seq=last + n)

    rows = []
    cache.delete(console.OPEN_KEY)
    ms, q = timed(console.tick, 50)
    rows.append(["no console open", f"{ms:.3f}", q])
    console.watch(user=host)
    console.tick()
    for n in (0, 1, 100, 1000):
        samples, queries = [], 0
        for _ in range(5):
            add(n)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                console.tick()
                samples.append((time.perf_counter() - started) * 1000)
            queries = len(captured.captured_queries)
        rows.append([f"console open, {n} new messages", f"{statistics.median(samples):.2f}", queries])

    def recount():
        state = cache.get(console.STATE_KEY)
        state["recounted"] = 0.0
        cache.set(console.STATE_KEY, state, None)
        console.tick()

    ms, q = timed(recount, 3)
    rows.append(["the once-a-minute recount", f"{ms:.2f}", q])
    table(f"console.tick() over {MESSAGES:,} messages", ["case", "ms (median)", "queries"], rows)

    # 3. A chat message with and without a console
    def sends():
        """SENDS messages, each timed (ms)."""
        samples = []
        for n in range(SENDS):
            if n % 15 == 0:
                clock.advance(
                    timedelta(seconds=11)
                )  # past the sending rate limit, which is not measured here
            started = time.perf_counter()
            chat.message_send(sender=liwei, conversation=conv, text=f"bench {n}")
            samples.append((time.perf_counter() - started) * 1000)
        return samples

    # The server's periodic loop runs in both cases (as it always does); only the console differs. Rounds
    # alternate, so the machine's drift falls on both alike.
    open_console = threading.Event()
    stop = threading.Event()

    def loop():
        while not stop.wait(1.0):
            if open_console.is_set():
                cache.set(console.OPEN_KEY, True, console.OPEN_SECONDS)  # as the open page says every 10 s
            periodic.run_due()  # the server's loop: every job due, the console's tick among them
        connection.close()

    if "workshop.console" not in {job.name for job in periodic.jobs()}:
        periodic.register("workshop.console", console.tick, every=1)
    thread = threading.Thread(target=loop)
    thread.start()
    results = {False: [], True: []}
    try:
        for round_ in range(int(os.environ.get("WORKSHOP_ROUNDS", "10"))):
            watched = bool(round_ % 2)
            if watched:
                open_console.set()
                console.watch(user=host)
            else:
                open_console.clear()
                cache.delete(console.OPEN_KEY)
            results[watched].extend(sends())
    finally:
        stop.set()
        thread.join()

    def stats(samples):
        ordered = sorted(samples)
        return statistics.median(ordered), ordered[int(len(ordered) * 0.99)]

    base, watched = stats(results[False]), stats(results[True])
    ok = watched[0] <= base[0] * 1.10
    table(
        f"message_send, {len(results[False])} sends each, rounds alternating",
        ["case", "median ms", "p99 ms", "target"],
        [
            ["no console open (baseline)", f"{base[0]:.2f}", f"{base[1]:.2f}", ""],
            [
                "console open, ticking every second",
                f"{watched[0]:.2f}",
                f"{watched[1]:.2f}",
                "pass" if ok else "FAIL",
            ],
        ],
    )


if __name__ == "__main__":
    main()
