"""Reading topics: the hot-search input and list, a topic by name, its posts (hot or newest) as post cards."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, QuerySet

from apps.accounts.models import Block, User
from apps.core import clock
from apps.microblog import text
from apps.microblog.models import HotTopic, Post, Report, Topic, TopicActivity, TopicFollow
from apps.microblog.selectors import timelines

PAGE_SIZE = 20
HOT_POSTS_WITHIN = timedelta(days=7)  # a topic's "hot" tab ranks the posts of its last week


def live_counts() -> dict[int, tuple[int, int]]:
    """Per visible topic with people in the window: (people in the window, in its last 10 minutes), as the
    writes and the refresh's sweep keep them on the topic rows (one query, by a partial index)."""
    rows = Topic.objects.filter(window_people__gt=0, hidden=False).values_list(
        "pk", "window_people", "recent_people"
    )
    return {pk: (window, recent) for pk, window, recent in rows}


def people_by_topic(*, since: datetime, until: datetime, recent: timedelta) -> dict[int, tuple[int, int]]:
    """Per topic active from `since` to `until`: distinct people in that span and in its last `recent`,
    counted from the activity rows (one grouped query: the baseline when no snapshot was taken an hour ago)."""
    rows = (
        TopicActivity.objects.filter(at__gte=since, at__lt=until)
        .values("topic_id")
        .annotate(
            people=Count("person_id", distinct=True),
            lately=Count("person_id", distinct=True, filter=Q(at__gte=until - recent)),
        )
        .order_by()
    )
    return {r["topic_id"]: (r["people"], r["lately"]) for r in rows}


def listed_heats() -> dict[int, tuple[int, datetime, Topic]]:
    """The last list's visible topics: (heat when last measured, when, the topic) (one query)."""
    rows = HotTopic.objects.select_related("topic").filter(topic__hidden=False, measured_at__isnull=False)
    return {row.topic_id: (row.measured, row.measured_at, row.topic) for row in rows}


def hot_list() -> list[HotTopic]:
    """The last computed hot-search list, with its topics (one query)."""
    return list(HotTopic.objects.select_related("topic").filter(topic__hidden=False).order_by("rank"))


def topic_named(name: str) -> Topic | None:
    """The topic any spelling of `name` means, with its host and pinned post's author (one query)."""
    return (
        Topic.objects.select_related("host", "pinned_post", "pinned_post__author")
        .filter(key=text.topic_key(name))
        .first()
    )


def follows_topic(viewer: User, topic: Topic) -> bool:
    return TopicFollow.objects.filter(person=viewer, topic=topic).exists()


def _visible_in(topic: Topic, viewer: User) -> QuerySet[Post]:
    """The topic's posts `viewer` may see: not deleted, not reported by them, not by someone they blocked."""
    blocked = Block.objects.filter(blocker=viewer).values("blocked")
    reported = Report.objects.filter(reporter=viewer, post__isnull=False).values("post")
    return (
        Post.objects.filter(posttopic__topic=topic, deleted_at__isnull=True)
        .exclude(author__in=blocked)
        .exclude(pk__in=reported)
    )


def topic_post_ids(
    topic: Topic, viewer: User, *, sort: str = "new", before: int | None = None, size: int = PAGE_SIZE
) -> tuple[list[int], int | None]:
    """The ids of a page of the topic's posts, in the page's order, and the cursor of the next (None at the end).

    "new": newest first from `before` (an id). "hot": the last week's by likes + comments + reposts, one page.
    """
    posts = _visible_in(topic, viewer)
    if sort == "hot":
        ids = (
            posts.filter(created_at__gte=clock.now() - HOT_POSTS_WITHIN)
            .annotate(engagement=F("likes") + F("comments") + F("reposts"))
            .order_by("-engagement", "-pk")
            .values_list("pk", flat=True)[:size]
        )
        return list(ids), None
    if before is not None:
        posts = posts.filter(pk__lt=before)
    ids = list(posts.order_by("-pk").values_list("pk", flat=True)[: size + 1])
    return ids[:size], (ids[size - 1] if len(ids) > size else None)


@dataclass
class TopicPage:
    posts: list[Post]  # ready for the post card (timelines.attach); rendering.decorate gives them their HTML
    pinned: Post | None  # the host's pinned post, if it is still there for the viewer
    next_cursor: int | None


def topic_page(
    topic: Topic, viewer: User, *, sort: str = "new", before: int | None = None, size: int = PAGE_SIZE
) -> TopicPage:
    """A page of the topic's posts as cards, hot or newest, and the pinned post above them: four queries
    whatever the page (the ids, then the page's and the pin's cards together through posts_with_ids)."""
    ids, next_cursor = topic_post_ids(topic, viewer, sort=sort, before=before, size=size)
    wanted = [*ids, topic.pinned_post_id] if topic.pinned_post_id else ids
    cards = {post.pk: post for post in timelines.posts_with_ids(viewer, wanted)} if wanted else {}
    pinned = cards.get(topic.pinned_post_id)
    # posts_with_ids gives newest first: the page keeps the ids' order (the "hot" order on that tab). The
    # pinned post shows once, on top (a card twice would repeat its element ids).
    posts = [cards[pk] for pk in ids if pk in cards and pk != topic.pinned_post_id]
    return TopicPage(posts, pinned, next_cursor)
