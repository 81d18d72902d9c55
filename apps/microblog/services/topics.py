"""Topics: their rows (one per spelling key), the hot-search list, following a topic, its host's introduction.

Hot search, after Mastodon's trending tags (docs: FEATURES.md, section 4) in Weibo's minute rhythm: per topic,
the DISTINCT people active with it in a sliding window, the last 10 minutes counting RECENT_WEIGHT times, against
the same measure taken an hour earlier (the topic's own baseline), as a surprise in standard deviations:

    measure  = people in the hour + (RECENT_WEIGHT - 1) × people in its last 10 minutes
    observed = the measure now; expected = the measure an hour ago (at least 1)
    heat     = HEAT_PER_SIGMA × (observed - expected) / √expected

A topic needs MIN_PEOPLE people in the window (one account cannot push a topic alone) and more than its
baseline (an always-busy topic is not hot). Marks come from the heat and its rise (MARKS, below).

The list is never emptied by quiet: a topic on it that is no longer measured as hot stays, its heat halving
every COOL_HALF_LIFE, until hotter topics push it out (`_entries`). The people counts are kept as activity is
written (services/topic_activity.py); the baseline is the snapshot of the refresh an hour ago.
"""

import math
from array import array
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core import clock
from apps.core.errors import DomainError, NotFound
from apps.core.events import publish_to_page
from apps.microblog.models import HotSnapshot, HotTopic, PostTopic, Topic, TopicFollow
from apps.microblog.selectors import topics as topic_selectors
from apps.microblog.services import topic_activity

# --- Hot search: every figure it depends on, in one place -------------------------------------------------
WINDOW = timedelta(minutes=60)  # activity counted
RECENT = timedelta(minutes=10)  # the window's newest part, weighted more
BASELINE = timedelta(minutes=60)  # the hour before the window: what is usual for this topic
RECENT_WEIGHT = 3  # a person active in the last 10 minutes counts three times
MIN_PEOPLE = 3  # distinct people in the window before a topic can rank
HEAT_PER_SIGMA = 100  # heat shown = 100 × standard deviations above the topic's own baseline
LIST_SIZE = 50
NEW_FOR = timedelta(hours=1)  # a topic this young is 新 (so is one that just entered the list)
HEAT_MAX = 2_000_000_000  # the column's range
Mark = HotTopic.Mark
# (mark, least heat, least rise): the first that fits wins; rise = the last 10 minutes' pace ÷ the window's.
MARKS = [
    (Mark.EXPLOSIVE, 6000, 2.0),  # 爆: very hot and still speeding up
    (Mark.BOILING, 3000, 0.0),  # 沸
    (Mark.HOT, 1000, 0.0),  # 热
]
COOL_HALF_LIFE = timedelta(hours=1)  # a topic no longer this hot keeps its place on the list, cooling
SNAPSHOT_SLACK = timedelta(minutes=5)  # a refresh at most this long before an hour ago gives the baseline
SNAPSHOT_SLOTS = 120  # snapshots kept: one a minute, two hours round
HOT_PAGE = "weibo.hot"  # the live page (apps.core.realtime.page) the list is pushed to

READ_KEY_SECONDS = 24 * 3600  # a person adds one read to a topic per day


@dataclass(frozen=True)
class Heat:
    heat: int
    rise: float


def heat_of(*, window: int, recent: int, baseline: int = 0, baseline_recent: int = 0) -> Heat | None:
    """A topic's heat from its distinct people: in the window and its last 10 minutes, and the same an hour
    earlier (the baseline hour and its last 10 minutes); None if it is not hot."""
    if window < MIN_PEOPLE:
        return None
    observed = window + (RECENT_WEIGHT - 1) * recent
    expected = max(baseline + (RECENT_WEIGHT - 1) * baseline_recent, 1)
    if observed <= expected:
        return None
    heat = min(HEAT_MAX, round(HEAT_PER_SIGMA * (observed - expected) / math.sqrt(expected)))
    return Heat(heat=heat, rise=(recent / RECENT.total_seconds()) / (window / WINDOW.total_seconds()))


def mark_of(heat: Heat, *, young: bool, entered: bool) -> str:
    for mark, least_heat, least_rise in MARKS:
        if heat.heat >= least_heat and heat.rise >= least_rise:
            return mark
    return Mark.NEW if young or entered else Mark.NONE


def hot_search_refresh() -> list[HotTopic]:
    """Recompute the hot-search list, replace it in one transaction, prune old activity, tell open pages.

    Registered as periodic work (every 60 s, one worker at a time); safe to run twice at once: the second
    replacement of the list fails on the unique rank and leaves the first one's list. Reads one row per
    topic with people in the window and one snapshot, whatever the amount of activity: 12 queries
    (13 with no snapshot from an hour ago).
    """
    now = clock.now()
    try:
        with transaction.atomic():
            topic_activity.counts_sweep(now=now, window=WINDOW, recent=RECENT)
            counts = topic_selectors.live_counts()
            baseline = _baseline(now)
            measured: dict[int, tuple[Heat, int]] = {}
            for topic_id, (window, recent) in counts.items():
                was, was_recent = baseline.get(topic_id, (0, 0))
                heat = heat_of(window=window, recent=recent, baseline=was, baseline_recent=was_recent)
                if heat is not None:
                    measured[topic_id] = (heat, window)
            previous = topic_selectors.listed_heats()
            entries = _entries(measured, {pk: (h, at) for pk, (h, at, _t) in previous.items()}, now)
            entries = entries[:LIST_SIZE]
            topics = {pk: topic for pk, (_h, _at, topic) in previous.items()}
            topics.update(Topic.objects.in_bulk([e.topic_id for e in entries if e.topic_id not in topics]))
            listed = [
                HotTopic(
                    rank=rank,
                    topic_id=e.topic_id,
                    heat=e.shown,
                    mark=mark_of(
                        Heat(e.shown, e.rise),
                        young=topics[e.topic_id].created_at >= now - NEW_FOR,
                        entered=e.topic_id not in previous,
                    ),
                    computed_at=now,
                    measured=e.measured,
                    measured_at=e.measured_at,
                )
                for rank, e in enumerate(entries, start=1)
            ]
            HotTopic.objects.all().delete()
            HotTopic.objects.bulk_create(listed)
            publish_to_page(page=HOT_PAGE, type="weibo.hot", data=hot_event(listed, topics, now))
            # This refresh's counts (in an hour, the baseline), then a bounded prune: one commit in all.
            HotSnapshot.objects.bulk_create(
                [HotSnapshot(slot=_slot(now), taken_at=now, counts=_packed(counts))],
                update_conflicts=True,
                unique_fields=["slot"],
                update_fields=["taken_at", "counts"],
            )
            topic_activity.prune(before=now - WINDOW - BASELINE)
    except IntegrityError:  # another worker replaced the list at the same moment: theirs stands
        return list(HotTopic.objects.all())
    return listed


def _slot(at: datetime) -> int:
    """The snapshot row for `at`'s minute: a cycle of SNAPSHOT_SLOTS minutes, longer than the baseline's reach."""
    return int(at.timestamp() // 60) % SNAPSHOT_SLOTS


def _packed(counts: dict[int, tuple[int, int]]) -> bytes:
    return array("q", [x for pk, (window, recent) in counts.items() for x in (pk, window, recent)]).tobytes()


def _unpacked(packed: bytes) -> dict[int, tuple[int, int]]:
    flat = array("q", bytes(packed))
    return dict(zip(flat[0::3], zip(flat[1::3], flat[2::3], strict=True), strict=True))


def _baseline(now: datetime) -> dict[int, tuple[int, int]]:
    """Per topic, (people in the window, in its last 10 minutes) an hour ago: the last snapshot taken by
    then (at most SNAPSHOT_SLACK earlier), or, with none (the first start, a server that was down), counted
    from the activity rows of that hour."""
    then = now - BASELINE
    snapshot = (
        HotSnapshot.objects.filter(taken_at__gte=then - SNAPSHOT_SLACK, taken_at__lte=then)
        .order_by("-taken_at")
        .values_list("counts", flat=True)
        .first()
    )
    if snapshot is not None:
        return _unpacked(snapshot)
    return topic_selectors.people_by_topic(since=then - WINDOW, until=then, recent=RECENT)


@dataclass(frozen=True)
class _Entry:
    topic_id: int
    heat: float  # what ranks: measured now, or cooled since measured
    rise: float
    window: int
    measured: int
    measured_at: datetime

    @property
    def shown(self) -> int:
        return max(1, min(HEAT_MAX, round(self.heat)))


def _entries(measured: dict[int, tuple[Heat, int]], previous: dict, now: datetime) -> list[_Entry]:
    """Every candidate, hottest first: a topic hot now, or on the last list with its heat cooled since it was
    measured (halving every COOL_HALF_LIFE), whichever is hotter. So the list fills from the last one when
    few topics are hot (a quiet room, an hour after seed_demo) and a topic falls at most at that pace; only
    a topic that once ranked (MIN_PEOPLE people) can stay, and a hidden one does not (listed_heats)."""
    entries = {}
    for topic_id, (heat_then, at) in previous.items():
        cooled = heat_then * 0.5 ** ((now - at) / COOL_HALF_LIFE)
        entries[topic_id] = _Entry(topic_id, cooled, 0.0, 0, heat_then, at)
    for topic_id, (heat, window) in measured.items():
        was = entries.get(topic_id)
        if was is None or heat.heat >= was.heat:
            entries[topic_id] = _Entry(topic_id, heat.heat, heat.rise, window, heat.heat, now)
    return sorted(entries.values(), key=lambda e: (-e.heat, -e.window, e.topic_id))


def hot_event(listed: list[HotTopic], topics: dict[int, Topic], now: datetime) -> dict:
    """What an open hot-search page redraws from (names are text: the page escapes them)."""
    return {
        "computed_at": now,
        "topics": [
            {"rank": h.rank, "name": topics[h.topic_id].name, "heat": h.heat, "mark": h.mark} for h in listed
        ],
    }


@transaction.atomic
def topics_hide(*, actor: User, topic_ids: list[int], hidden: bool = True) -> int:
    """Moderators hide topics from hot search (or show them again); the list is recomputed at once."""
    if not actor.is_staff:
        raise DomainError(_("Only moderators can hide topics."), code="forbidden")
    changed = Topic.objects.filter(pk__in=topic_ids).update(hidden=hidden)
    transaction.on_commit(hot_search_refresh)
    return changed


# --- Topic rows -----------------------------------------------------------------------------------------


def topic_read(*, viewer: User, topic: Topic) -> bool:
    """Count a read of the topic's page: once per person per day (a cache mark), one conditional update."""
    key = f"weibo:read:{topic.pk}:{viewer.pk}:{clock.now().date().isoformat()}"
    if not cache.add(key, 1, READ_KEY_SECONDS):
        return False
    Topic.objects.filter(pk=topic.pk).update(reads=F("reads") + 1)
    topic.reads += 1
    return True


# --- Following a topic, its host ------------------------------------------------------------------------


def topic_follow(*, actor: User, topic: Topic) -> TopicFollow:
    """Follow a topic (its posts come to the home timeline); following twice is following."""
    try:
        with transaction.atomic():
            follow, _created = TopicFollow.objects.get_or_create(
                person=actor, topic=topic, defaults={"created_at": clock.now()}
            )
    except IntegrityError:  # a double tap raced itself
        follow = TopicFollow.objects.get(person=actor, topic=topic)
    return follow


def topic_unfollow(*, actor: User, topic: Topic) -> None:
    TopicFollow.objects.filter(person=actor, topic=topic).delete()


@transaction.atomic
def topic_introduction_edit(
    *, actor: User, topic_id: int, introduction: str, pinned_post_id: int | None
) -> Topic:
    """The topic's host (set by moderators) writes its introduction and pins one of the topic's posts."""
    topic = Topic.objects.select_for_update().filter(pk=topic_id).first()
    if topic is None:
        raise NotFound()
    if topic.host_id != actor.pk:
        raise DomainError(_("Only the topic's host can edit its introduction."), code="forbidden")
    introduction = introduction.strip()
    if len(introduction) > Topic._meta.get_field("introduction").max_length:
        raise DomainError(_("The introduction can be at most 280 characters."))
    if pinned_post_id is not None and not (
        PostTopic.objects.filter(topic=topic, post_id=pinned_post_id, post__deleted_at__isnull=True).exists()
    ):
        raise DomainError(_("Only a post in this topic can be pinned."))
    topic.introduction = introduction
    topic.pinned_post_id = pinned_post_id
    topic.save(update_fields=["introduction", "pinned_post"])
    return topic
