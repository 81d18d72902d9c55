"""Topics a text carries, found or made by their key, and the activity hot search counts.

Posts, reposts (lane P) and comments (lane C) all call `topics_touch` inside their own transaction, so a
topic gets the same key, the same discussion count and the same hot-search input whoever wrote it.

Hot search's counts are kept as activity is written, so its refresh reads one row a topic instead of counting
the window's activity (bench/bench_hot_search.py): a TopicPerson row per topic and person holds their latest
activity and whether they are counted in the topic's window and in its last 10 minutes; Topic.window_people and
recent_people are the numbers of flagged rows. A write flags its rows, counting each one that was not flagged
yet; the refresh (`counts_sweep`) deletes the rows whose latest activity has left the window and unflags those
that left the last 10 minutes, uncounting each. All are conditional statements on the same rows, so whichever
comes second sees the other's work (a row deleted under a write is inserted again): distinct people stay exact
however many times one person writes. The TopicActivity rows stay two hours as the raw record (the baseline
when no snapshot is an hour old, `counts_rebuild`), pruned in batches.
"""

from collections import Counter
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Case, F, Max, Q, Value, When
from django.db.models.functions import Greatest

from apps.accounts.models import User
from apps.core import clock
from apps.microblog import text as weibo_text
from apps.microblog.models import Topic, TopicActivity, TopicPerson

PRUNE_BATCH = 5000  # rows deleted at most per table and refresh: a backlog (a week without refreshes) drains


def topics_get_or_create(names: list[str], *, at: datetime | None = None) -> list[Topic]:
    """The topics spelled `names` (first spelling kept), made where new; in the order given, each once.

    Three queries whatever the number of topics; two people making the same new topic at once both get the
    one row (the unique key decides, the loser's insert is ignored and it reads the winner's).
    """
    by_key = {weibo_text.topic_key(name): name for name in reversed(names)}  # first spelling wins
    if not by_key:
        return []
    found = {t.key: t for t in Topic.objects.filter(key__in=by_key)}
    missing = [key for key in by_key if key not in found]
    if missing:
        now = at or clock.now()
        Topic.objects.bulk_create(
            [Topic(name=by_key[key], key=key, created_at=now) for key in missing], ignore_conflicts=True
        )
        found.update({t.key: t for t in Topic.objects.filter(key__in=missing)})
    order = [weibo_text.topic_key(name) for name in names]
    return [found[key] for key in dict.fromkeys(order)]


def topics_touch(*, person: User, text: str, at: datetime | None = None) -> list[Topic]:
    """Record that `person` wrote `text` now: its #topics# (made if new) each count one more discussion and
    one more activity for hot search. Returns the topics, in the order written."""
    topics = topics_get_or_create(weibo_text.topics_in(text), at=at)
    activity_record(topics, person=person, at=at)
    return topics


def activity_record(topics: list[Topic], *, person: User, at: datetime | None = None) -> None:
    """`person` was active with `topics` at `at` (now): one more discussion each, a TopicActivity row each, and
    hot search's counts moved. Inside the writer's transaction; people rows first, then the topics' (the
    refresh locks them in that order too)."""
    if not topics:
        return
    now = at or clock.now()
    ids = [t.pk for t in topics]
    TopicActivity.objects.bulk_create([TopicActivity(topic_id=pk, person=person, at=now) for pk in ids])
    rows = TopicPerson.objects.filter(topic_id__in=ids, person=person)
    for _attempt in range(2):  # a row the refresh deleted between the insert and the update: insert again
        TopicPerson.objects.bulk_create(
            [TopicPerson(topic_id=pk, person=person, last_at=now) for pk in ids], ignore_conflicts=True
        )
        if rows.update(last_at=Greatest("last_at", Value(now))) == len(ids):
            break
    window = _flag(ids, person.pk, "in_window")
    recent = _flag(ids, person.pk, "in_recent")
    Topic.objects.filter(pk__in=ids).update(
        posts=F("posts") + 1,
        window_people=F("window_people") + _one_for(window),
        recent_people=F("recent_people") + _one_for(recent),
    )


def _flag(topic_ids: list[int], person_id: int, flag: str) -> set[int]:
    """Set `flag` on the person's rows for these topics; the topics whose row was not flagged yet."""
    table = TopicPerson._meta.db_table
    marks = ", ".join(["%s"] * len(topic_ids))
    # Raw SQL for RETURNING (the ORM's update gives only a count); the names are this module's own.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {flag} = %s WHERE person_id = %s AND topic_id IN ({marks}) AND NOT {flag} "  # noqa: S608
            "RETURNING topic_id",
            [True, person_id, *topic_ids],
        )
        return {row[0] for row in cursor.fetchall()}


def _one_for(topic_ids: set[int]):
    return Case(When(pk__in=topic_ids, then=Value(1)), default=Value(0)) if topic_ids else Value(0)


def counts_sweep(*, now: datetime, window: timedelta, recent: timedelta) -> None:
    """Take out of the counts the people whose latest activity with a topic has left its window (their row
    goes) or its last `recent` (unflagged). Reads only the rows that left since the last sweep (a minute's
    worth, by index), however much activity the window holds."""
    table = TopicPerson._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    # Raw SQL for RETURNING (the ORM's delete and update give only counts); the names are this module's own.
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE last_at < %s RETURNING topic_id, in_window, in_recent",  # noqa: S608
            [adapt(now - window)],
        )
        gone = cursor.fetchall()
        cursor.execute(
            f"UPDATE {table} SET in_recent = %s WHERE in_recent AND last_at < %s RETURNING topic_id",  # noqa: S608
            [False, adapt(now - recent)],
        )
        quiet = cursor.fetchall()
    left = Counter(topic_id for topic_id, in_window, _r in gone if in_window)
    lately = Counter(topic_id for topic_id, _w, in_recent in gone if in_recent)
    lately.update(topic_id for (topic_id,) in quiet)
    _subtract(left, lately)


def _subtract(window: Counter, recent: Counter) -> None:
    """Topic.window_people -= window[topic], recent_people -= recent[topic]: one UPDATE per 1,000 topics,
    joined to the numbers as a VALUES list (a CASE of 1,000 branches took a quarter of a busy refresh)."""
    table = Topic._meta.db_table
    most = "GREATEST" if connection.vendor == "postgresql" else "MAX"  # never below 0 (a CHECK on the column)
    topic_ids = sorted(set(window) | set(recent))
    for start in range(0, len(topic_ids), 1000):
        chunk = topic_ids[start : start + 1000]
        values = ", ".join(["(%s, %s, %s)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET "  # noqa: S608 (this module's names; the numbers are parameters)
                f"window_people = {most}(window_people - v.column2, 0), "
                f"recent_people = {most}(recent_people - v.column3, 0) "
                f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                [x for pk in chunk for x in (pk, window[pk], recent[pk])],
            )


def counts_rebuild(*, now: datetime, window: timedelta, recent: timedelta) -> None:
    """Rebuild the counts from the TopicActivity rows of the window (data written around `activity_record`,
    as bench/bench_hot_search.py writes its 200,000 rows). Reads the whole window: not for every minute."""
    TopicPerson.objects.all().delete()
    Topic.objects.filter(Q(window_people__gt=0) | Q(recent_people__gt=0)).update(
        window_people=0, recent_people=0
    )
    latest = (
        TopicActivity.objects.filter(at__gte=now - window, at__lte=now)
        .values("topic_id", "person_id")
        .annotate(last=Max("at"))
        .order_by()
    )
    rows = [
        TopicPerson(
            topic_id=r["topic_id"],
            person_id=r["person_id"],
            last_at=r["last"],
            in_window=True,
            in_recent=r["last"] >= now - recent,
        )
        for r in latest
    ]
    TopicPerson.objects.bulk_create(rows, batch_size=5000)
    people = Counter(r.topic_id for r in rows)
    lately = Counter(r.topic_id for r in rows if r.in_recent)
    by_counts: dict[tuple[int, int], list[int]] = {}
    for topic_id, n in people.items():
        by_counts.setdefault((n, lately[topic_id]), []).append(topic_id)
    for (n, m), topic_ids in by_counts.items():
        Topic.objects.filter(pk__in=topic_ids).update(window_people=n, recent_people=m)


def prune(*, before: datetime) -> int:
    """Delete the oldest activity rows older than `before`, about PRUNE_BATCH of them (those at or before the
    PRUNE_BATCH-th oldest's time): a long backlog (a week without refreshes) is deleted over several
    refreshes instead of holding one up. Two queries, each a range of the time index (a delete by a list of
    ids, or by a subquery's time, made PostgreSQL scan the table)."""
    older = TopicActivity.objects.filter(at__lt=before)
    nth = list(older.order_by("at").values_list("at", flat=True)[PRUNE_BATCH - 1 : PRUNE_BATCH])
    return (older.filter(at__lte=nth[0]) if nth else older).delete()[0]
