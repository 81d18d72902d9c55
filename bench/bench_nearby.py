"""People Nearby at scale, on SQLite and PostgreSQL (issue #12, "Speed").

1. The list: 100,000 visible people across the demo cities (most in Shanghai and Beijing, spread around each
   centre); a viewer somewhere in Shanghai asks `nearby.services.people_near` (the whole service: the budget,
   the 10 km box read by the cell index, the blocks, the far-away fill, the sort). Target: p50 under 20 ms,
   through the index (the query plan is printed). Also checked: whether the 50 shown are the nearest 50 (the
   band of the 50th shown against the band of the true 50th nearest, counted in Python over every row).
2. Shake: 500 of those people shake within the same 3 seconds, from 8 threads (as a server's worker threads
   take requests as they arrive), while a thread runs `apps.core.periodic`'s loop as a server does (the due
   jobs, then a tick's sleep): its `nearby.shakes` job pairs the leftovers and says "nobody found". Measured per shaker: from the
   end of their window to their answer (the moment the event is handed to the channel layer, after commit;
   0 if answered before the window closed). Target: every one within 1 s; each answered exactly once, nobody
   matched twice or with themselves, pairs symmetric.
3. The shake job's second when nobody shakes (most seconds of a day, in every deployment): statements and time
   per run of `shake.shake_periodic`, against the form it had before (two reads, the second in a transaction:
   on SQLite that took the write lock every second), in the same run.

    make bench ONLY=nearby
    .venv/bin/python bench/bench_nearby.py sqlite|pg     # one of them (the second needs DATABASE_URL)
"""

import itertools
import json
import os
import random
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG_DB = "bench_nearby"
PEOPLE = int(os.environ.get("NEARBY_PEOPLE", "100000"))
# Share of people per city, and their spread (metres, one standard deviation) around its centre.
CITY_SHARE = {"shanghai": 0.5, "beijing": 0.25, "shenzhen": 0.1, "hangzhou": 0.05, "chengdu": 0.04,
              "anshan": 0.03, "london": 0.03}  # fmt: skip
SPREAD_M = 4000
ROUNDS = 100
LIST_TARGET_MS = 20
# 500 people, and one more so that someone is left over: "nobody found" comes from the periodic job.
SHAKERS, ARRIVAL_S, WORKERS = 501, 3.0, 8
ANSWER_TARGET_S = 1.0
IDLE_ROUNDS = 300


def fill(users, now) -> None:
    from apps.nearby import grid
    from apps.nearby.models import Presence

    rng = random.Random(12)
    cities = rng.choices(list(CITY_SHARE), weights=list(CITY_SHARE.values()), k=len(users))
    rows = []
    for user, city in zip(users, cities, strict=True):
        _label, lat, lon = grid.CITIES[city]
        north, east = rng.gauss(0, SPREAD_M), rng.gauss(0, SPREAD_M)
        spot_lat = lat + north / grid.M_PER_DEG
        cell = grid.snap(spot_lat, lon + east / (grid.M_PER_DEG * grid.math.cos(grid.math.radians(spot_lat))))
        active = now - timedelta(seconds=rng.randrange(3600))
        rows.append(Presence(user=user, row=cell.row, col=cell.col, place=city, visible=True, started_at=active,
                             expires_at=now + timedelta(hours=8), active_at=active))  # fmt: skip
    Presence.objects.bulk_create(rows, batch_size=5000)


def list_bench(users, rng, where: str) -> dict:
    """ROUNDS viewers in `where`: a crowded city ("shanghai"), a thin one ("london"), or "alone" (one viewer
    moved where nobody else is: the box is empty, so the list is filled from the far-away index)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.core import clock
    from apps.nearby import grid, services
    from apps.nearby.models import Presence

    if where == "alone":
        viewers = [users[0].pk]
        nowhere = grid.snap(0.5, 20.0)  # the middle of the Congo basin: no bench people there
        Presence.objects.filter(user_id=users[0].pk).update(row=nowhere.row, col=nowhere.col, place="")
    else:
        viewers = list(Presence.objects.filter(place=where).values_list("user_id", flat=True)[:5000])
    by_pk = {u.pk: u for u in users}
    wall, cpu = [], []
    for i in range(ROUNDS + 1):
        viewer = by_pk[rng.choice(viewers)]
        presence = services.presence_of(viewer)
        w, c = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            shown = services.people_near(viewer=viewer, presence=presence)
        c, w = (time.process_time() - c) * 1000, (time.perf_counter() - w) * 1000
        if i:  # the first warms the caches
            wall.append(w)
            cpu.append(c)
            n_queries = len(queries)
    # Are the 50 shown the nearest 50? The last viewer's true 50th nearest, over every visible row.
    here = grid.Cell(presence.row, presence.col)
    every = Presence.objects.filter(visible=True).exclude(user=viewer).values_list("row", "col")
    true_bands = sorted(grid.band(here, grid.Cell(r, c)) for r, c in every)
    shown_bands = sorted(n.band for n in shown)
    now = clock.now()
    rows, first_col, last_col = grid.spans_within(here, grid.BANDS[-1][0])[0]
    box = services._listed(viewer, "all", now).filter(row__in=rows, col__range=(first_col, last_col))
    # PostgreSQL's EXPLAIN ANALYZE shows the rows read (and dropped by a filter); SQLite's plan has no counts.
    analyze = {"analyze": True} if connection.vendor == "postgresql" else {}
    plan = box[: services.LIST_SIZE * 4].explain(**analyze)
    return {
        "where": where, "shown": len(shown), "queries": n_queries, "plan": plan,
        "true_50th_band": str(grid.band_label(true_bands[services.LIST_SIZE - 1])),
        "shown_50th_band": str(grid.band_label(shown_bands[-1])),
        "true_50th_rank": true_bands[services.LIST_SIZE - 1], "shown_50th_rank": shown_bands[-1],
        "in_box": box.count(), "wall": wall, "cpu": cpu,
    }  # fmt: skip


def shake_bench(users, rng) -> dict:
    from django.db import connection

    from apps.core import clock, events
    from apps.core import periodic as jobs
    from apps.nearby import shake
    from apps.nearby.models import ShakeAttempt

    answers = defaultdict(list)  # shake pk -> [(event type, when)]
    lock = threading.Lock()

    def record(recipients, payload):  # replaces the channel layer: when each answer leaves
        when = clock.now()
        with lock:
            answers[payload["data"]["shake"]].append((payload["type"], when))

    events.deliver = record
    shakers = rng.sample(users, SHAKERS)
    t0 = time.perf_counter() + 0.2
    lags, errors = [], []

    def shake_one(i_user):
        i, user = i_user
        due = t0 + i * ARRIVAL_S / SHAKERS
        time.sleep(max(0.0, due - time.perf_counter()))
        lags.append(time.perf_counter() - due)
        try:
            return shake.shake_start(user=user).pk
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    stop = threading.Event()
    periodic_runs = []

    def tick():  # what apps.core.periodic's loop does in a server: run the due jobs, sleep a tick, again
        while not stop.is_set():
            w = time.perf_counter()
            jobs.run_due(holder="bench")
            periodic_runs.append((w, time.perf_counter() - w))
            stop.wait(jobs.TICK)
        connection.close()

    ticker = threading.Thread(target=tick)
    ticker.start()
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(shake_one, enumerate(shakers)))
    last_close = ShakeAttempt.objects.order_by("-closes_at").values_list("closes_at", flat=True).first()
    while clock.now() < last_close + timedelta(seconds=3) and ShakeAttempt.objects.filter(state="waiting"):
        time.sleep(0.2)
    time.sleep(1.5)
    stop.set()
    ticker.join()

    attempts = {a.pk: a for a in ShakeAttempt.objects.all()}
    late, problems = [], list(errors)
    for pk, a in attempts.items():
        told = answers.get(pk, [])
        if len(told) != 1:
            problems.append(f"shake {pk} told {len(told)} times")
            continue
        late.append(max(0.0, (told[0][1] - a.closes_at).total_seconds()))
        if a.state == "matched":
            partner = attempts.get(a.partner_id)
            if partner is None or partner.partner_id != pk or partner.user_id == a.user_id:
                problems.append(f"shake {pk}: bad partner {a.partner_id}")
        elif a.state != "alone":
            problems.append(f"shake {pk} still {a.state}")
    if len({a.user_id for a in attempts.values()}) != len(attempts):
        problems.append("someone shook twice")
    late.sort()
    runs = [took for _at, took in periodic_runs]
    periods = [b[0] - a[0] for a, b in itertools.pairwise(periodic_runs)]  # a lone shaker waits up to one
    states = [a.state for a in attempts.values()]
    return {
        "shakes": len(attempts), "matched": states.count("matched"), "alone": states.count("alone"),
        "answer_p50_s": round(late[len(late) // 2], 3) if late else None,
        "answer_p99_s": round(late[min(len(late) - 1, int(len(late) * 0.99))], 3) if late else None,
        "answer_max_s": round(late[-1], 3) if late else None,
        "arrival_lag_max_s": round(max(lags), 3), "periodic_max_s": round(max(runs, default=0), 3),
        "loop_period_max_s": round(max(periods, default=0), 3),
        "problems": problems[:10], "n_problems": len(problems),
    }  # fmt: skip


def idle_bench() -> dict:
    from _django import summary
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from apps.core import clock
    from apps.nearby import shake
    from apps.nearby.models import ShakeAttempt

    def before():  # the job until Shake's several-process work: pair (a read), close (a read in a transaction)
        now = clock.now()
        list(ShakeAttempt.objects.filter(state="waiting", closes_at__gt=now).values_list("pk", flat=True))
        with transaction.atomic():
            list(
                ShakeAttempt.objects.filter(state="waiting", closes_at__lte=now).values_list("pk", "user_id")
            )

    assert not ShakeAttempt.objects.filter(state="waiting").exists()
    found = {}
    for name, run in (("before", before), ("now", shake.shake_periodic)):
        with CaptureQueriesContext(connection) as statements:
            run()
        took = []
        for _ in range(IDLE_ROUNDS):
            w = time.perf_counter()
            run()
            took.append((time.perf_counter() - w) * 1000)
        p50, p95, _mean = summary(took)
        found[name] = {"statements": len(statements), "p50": round(p50, 3), "p95": round(p95, 3)}
    return found


def child(db: str) -> None:
    from _django import people, setup, summary

    setup(seed=False)
    from django.conf import settings

    from apps.core import clock

    settings.NEARBY_LOOKS_PER_HOUR = 10**6
    rng = random.Random(12)
    started = time.perf_counter()
    users = people("near", PEOPLE)
    fill(users, clock.now())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    made = time.perf_counter() - started
    listings = []
    for where in ("shanghai", "london", "alone"):
        listing = list_bench(users, rng, where)
        listing["p50"], listing["p95"], _ = (round(x, 2) for x in summary(listing.pop("wall")))
        listing["cpu50"], listing["cpu95"], _ = (round(x, 2) for x in summary(listing.pop("cpu")))
        # The target is the nearest 50 in time: a list whose 50th is farther than the true 50th fails too.
        nearest = listing["shown_50th_rank"] <= listing["true_50th_rank"]
        listing["verdict"] = "pass" if listing["p50"] < LIST_TARGET_MS and nearest else "FAIL"
        listings.append(listing)
    shaking = shake_bench(users, rng)
    idle = idle_bench()
    ok_shake = (
        shaking["answer_max_s"] is not None
        and shaking["answer_max_s"] <= ANSWER_TARGET_S
        and not shaking["n_problems"]
    )
    print(json.dumps({
        "db": db, "made_s": round(made), "lists": listings, **shaking, "idle": idle,
        "shake_verdict": "pass" if ok_shake else "FAIL",
    }, default=str))  # fmt: skip


def main() -> None:
    sys.path.insert(0, str(HERE))
    from _django import on_both_databases, table

    rows = on_both_databases(__file__, PG_DB)
    for r in rows:
        print(f"\n{r['db']}: {PEOPLE:,} people made in {r['made_s']} s")
        for x in r["lists"]:
            print(f"{r['db']}, viewer in {x['where']}: {x['in_box']:,} people in the 10 km box; 50th shown: "
                  f"{x['shown_50th_band']}, true 50th nearest: {x['true_50th_band']}; the box's plan:\n  "
                  + x["plan"].replace("\n", "\n  "))  # fmt: skip
        if r["n_problems"]:
            print(f"{r['db']}: {r['n_problems']} shake problems, e.g. {r['problems']}")
    table(
        f"People Nearby: the list of {PEOPLE:,} visible people, {ROUNDS} looks per place; "
        f"target p50 < {LIST_TARGET_MS} ms and the 50th shown no farther than the true 50th nearest",
        ["database", "viewer in", "p50 ms", "p95 ms", "cpu p50 ms", "cpu p95 ms", "queries", "shown",
         "50th shown", "true 50th", "target"],
        [[r["db"], x["where"], x["p50"], x["p95"], x["cpu50"], x["cpu95"], x["queries"], x["shown"],
          x["shown_50th_band"], x["true_50th_band"], f" {x['verdict']} "] for r in rows for x in r["lists"]],
    )  # fmt: skip
    table(
        f"Shake: {SHAKERS} people within {ARRIVAL_S:.0f} s ({WORKERS} threads, the periodic loop); "
        f"seconds from window end to answer; target max <= {ANSWER_TARGET_S} s, one answer each",
        ["database", "shakes", "matched", "alone", "p50 s", "p99 s", "max s", "arrival lag max s",
         "periodic run max s", "loop period max s", "problems", "target"],
        [[r["db"], r["shakes"], r["matched"], r["alone"], r["answer_p50_s"], r["answer_p99_s"], r["answer_max_s"],
          r["arrival_lag_max_s"], r["periodic_max_s"], r["loop_period_max_s"], r["n_problems"], f" {r['shake_verdict']} "] for r in rows],
    )  # fmt: skip
    table(
        f"Shake's periodic job when nobody shakes: one run, {IDLE_ROUNDS} runs timed",
        ["database", "job", "statements", "p50 ms", "p95 ms"],
        [[r["db"], name, x["statements"], x["p50"], x["p95"]] for r in rows for name, x in r["idle"].items()],
    )


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    from _django import child_or_main

    child_or_main(child, main, HERE)
