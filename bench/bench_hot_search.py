"""Hot-search recomputation over 200,000 posts' topic activity (target < 100 ms), SQLite and PostgreSQL.

2,000 people, 5,000 topics with a long tail. The issue's case: 200,000 posts' activity over a week (the job reads
its 60-minute window and the hour before; the first run prunes the rest). The stress case: all 200,000 rows
inside those two hours, nothing to prune. Each run is the whole job: the grouped count, the scoring, the list
replaced in one transaction, the prune. Wall time (median of 15) and the process's CPU time.

    make bench ONLY=hot_search
    .venv/bin/python bench/bench_hot_search.py sqlite|pg     # one of them
"""

import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG_DB = "bench_hot"
ACTIVITY = int(os.environ.get("HOT_ACTIVITY", "200000"))
PEOPLE, TOPICS, RUNS = 2000, 5000, 15
TARGET_MS = 100


def child(db: str) -> None:
    from _django import people, setup, summary

    setup(seed=False)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.core import clock
    from apps.microblog.models import Topic, TopicActivity
    from apps.microblog.services import topics

    rng = random.Random(10)
    users = [u.pk for u in people("hot", PEOPLE)]
    now = clock.now()
    Topic.objects.bulk_create(
        [
            Topic(name=f"topic {i}", key=f"topic {i}", created_at=now - timedelta(days=1))
            for i in range(TOPICS)
        ],
        batch_size=2000,
    )
    topic_ids = list(Topic.objects.order_by("pk").values_list("pk", flat=True))
    weights = [1 / (rank + 1) for rank in range(TOPICS)]  # a few topics are busy, most are quiet
    topics.publish_to_page = lambda **kwargs: None  # no channel layer to talk to here

    def add_activity(span: timedelta) -> None:
        seconds = span.total_seconds()
        rows = [
            TopicActivity(
                topic_id=topic_id,
                person_id=rng.choice(users),
                at=clock.now() - timedelta(seconds=rng.random() ** 0.7 * seconds),  # busier lately
            )
            for topic_id in rng.choices(topic_ids, weights=weights, k=ACTIVITY)
        ]
        TopicActivity.objects.bulk_create(rows, batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def refreshes(runs: int) -> dict:
        wall, cpu = [], []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as queries:
                listed = topics.hot_search_refresh()
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        p50, p95, _mean = summary(wall)
        return {"listed": len(listed), "queries": len(queries), "p50": round(p50, 1), "p95": round(p95, 1),
                "cpu_p50": round(summary(cpu)[0], 1), "verdict": "pass" if p50 < TARGET_MS else "FAIL"}  # fmt: skip

    # 1. The issue's data set: 200,000 posts' activity over a week. The first refresh prunes what is older than
    #    the window and its baseline; every later one reads the two hours left.
    add_activity(timedelta(days=7))
    first = refreshes(1)
    kept = TopicActivity.objects.count()
    steady = refreshes(RUNS)
    # 2. Stress: all 200,000 rows inside the two hours the job reads (nothing to prune).
    TopicActivity.objects.all().delete()
    add_activity(topics.WINDOW + topics.BASELINE - timedelta(minutes=5))  # a margin: inserting takes time
    burst = refreshes(RUNS)
    assert TopicActivity.objects.count() == ACTIVITY, "the stress rows must all stay in the span"
    print(json.dumps({"db": db, "rows": [
        {"case": "week, first run (prunes)", "rows": ACTIVITY, **first},
        {"case": "week, every later run", "rows": kept, **steady},
        {"case": "stress: 200k in 2 h", "rows": ACTIVITY, **burst},
    ]}))  # fmt: skip


def main() -> None:
    sys.path.insert(0, str(HERE))
    from _django import on_both_databases, table

    rows = on_both_databases(__file__, PG_DB)
    table(
        f"Hot search: one refresh over {ACTIVITY:,} activity rows ({PEOPLE:,} people, {TOPICS:,} topics), "
        f"{RUNS} runs; target p50 < {TARGET_MS} ms",
        ["database", "case", "rows read", "listed", "queries", "p50 ms", "p95 ms", "cpu p50 ms", "target"],
        [[r["db"], c["case"], c["rows"], c["listed"], c["queries"], c["p50"], c["p95"], c["cpu_p50"], c["verdict"]]
         for r in rows for c in r["rows"]],
    )  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.path.insert(0, str(HERE))
        if os.environ.get("DATABASE_URL") == "":
            del os.environ["DATABASE_URL"]
        child(sys.argv[1])
    else:
        main()
