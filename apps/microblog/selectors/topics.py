"""Reading topics: the hot-search input and list, a topic by name, its posts (hot or newest)."""

from datetime import datetime, timedelta

from django.db.models import Count, F, Q, QuerySet

from apps.accounts.models import Block, User
from apps.core import clock
from apps.microblog import text
from apps.microblog.models import HotTopic, Post, Report, Topic, TopicActivity, TopicFollow

PAGE_SIZE = 20
HOT_POSTS_WITHIN = timedelta(days=7)  # a topic's "hot" tab ranks the posts of its last week


def people_by_topic(*, since: datetime, window_start: datetime, recent: timedelta) -> list[dict]:
    """Per visible topic active in the window: distinct people in the window and in its last `recent`, and the
    same for the baseline (from `since` to the window's start). One grouped query over the activity rows (the
    job prunes them to this span)."""
    now = clock.now()
    return list(
        TopicActivity.objects.filter(at__gte=since)
        .exclude(topic_id__in=Topic.objects.filter(hidden=True).values("pk"))
        .values("topic_id")
        .annotate(
            window=Count("person_id", distinct=True, filter=Q(at__gte=window_start)),
            recent=Count("person_id", distinct=True, filter=Q(at__gte=now - recent)),
            baseline=Count("person_id", distinct=True, filter=Q(at__lt=window_start)),
            baseline_recent=Count(
                "person_id", distinct=True, filter=Q(at__gte=window_start - recent, at__lt=window_start)
            ),
        )
        .filter(window__gt=0)
        .order_by()
    )


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
        .select_related("author")
    )


def topic_posts(
    topic: Topic, viewer: User, *, sort: str = "new", before: int | None = None, size: int = PAGE_SIZE
) -> tuple[list[Post], int | None]:
    """A page of the topic's posts and the cursor of the next (None at the end).

    "new": newest first from `before` (an id). "hot": the last week's by likes + comments + reposts, one page.
    """
    posts = _visible_in(topic, viewer)
    if sort == "hot":
        rows = list(
            posts.filter(created_at__gte=clock.now() - HOT_POSTS_WITHIN)
            .annotate(engagement=F("likes") + F("comments") + F("reposts"))
            .order_by("-engagement", "-pk")[:size]
        )
        return rows, None
    if before is not None:
        posts = posts.filter(pk__lt=before)
    rows = list(posts.order_by("-pk")[: size + 1])
    return rows[:size], (rows[size - 1].pk if len(rows) > size else None)


def pinned_post(topic: Topic, viewer: User) -> Post | None:
    """The host's pinned post, if it is still there for `viewer`."""
    if topic.pinned_post_id is None:
        return None
    return _visible_in(topic, viewer).filter(pk=topic.pinned_post_id).first()
