"""Topics: their rows (one per spelling key), the hot-search list, following a topic, its host's introduction.

Hot search, after Mastodon's trending tags (docs: FEATURES.md, section 4) in Weibo's minute rhythm: per topic,
the DISTINCT people active with it in a sliding window, the last 10 minutes counting RECENT_WEIGHT times, against
the same measure taken an hour earlier (the topic's own baseline), as a surprise in standard deviations:

    measure  = people in the hour + (RECENT_WEIGHT - 1) × people in its last 10 minutes
    observed = the measure now; expected = the measure an hour ago (at least 1)
    heat     = HEAT_PER_SIGMA × (observed - expected) / √expected

A topic needs MIN_PEOPLE people in the window (one account cannot push a topic alone) and more than its
baseline (an always-busy topic is not hot). Marks come from the heat and its rise (MARKS, below).
"""

import math
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
from apps.microblog.models import HotTopic, PostTopic, Topic, TopicActivity, TopicFollow
from apps.microblog.selectors import topics as topic_selectors

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
    replacement of the list fails on the unique rank and leaves the first one's list.
    """
    now = clock.now()
    window_start = now - WINDOW
    rows = topic_selectors.people_by_topic(
        since=window_start - BASELINE, window_start=window_start, recent=RECENT
    )
    scored = []
    for row in rows:
        heat = heat_of(
            window=row["window"],
            recent=row["recent"],
            baseline=row["baseline"],
            baseline_recent=row["baseline_recent"],
        )
        if heat is not None:
            scored.append((heat, row["window"], row["topic_id"]))
    scored.sort(key=lambda s: (-s[0].heat, -s[1], s[2]))
    scored = scored[:LIST_SIZE]
    topics = Topic.objects.in_bulk([topic_id for _h, _w, topic_id in scored])
    try:
        with transaction.atomic():
            previous = set(HotTopic.objects.values_list("topic_id", flat=True))
            listed = [
                HotTopic(
                    rank=rank,
                    topic_id=topic_id,
                    heat=heat.heat,
                    mark=mark_of(
                        heat,
                        young=topics[topic_id].created_at >= now - NEW_FOR,
                        entered=topic_id not in previous,
                    ),
                    computed_at=now,
                )
                for rank, (heat, _w, topic_id) in enumerate(scored, start=1)
            ]
            HotTopic.objects.all().delete()
            HotTopic.objects.bulk_create(listed)
            publish_to_page(page=HOT_PAGE, type="weibo.hot", data=hot_event(listed, topics, now))
    except IntegrityError:  # another worker replaced the list at the same moment: theirs stands
        return list(HotTopic.objects.all())
    # After the swap, in a transaction of its own: a long prune (first start on old data) holds no list up.
    TopicActivity.objects.filter(at__lt=window_start - BASELINE).delete()
    return listed


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
