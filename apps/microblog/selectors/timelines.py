"""Timelines: home (people and topics I follow, and mine), a person's posts, the public square.

Fan-out on read: a page is one query over the posts table, newest first from a cursor (`before`, an id),
then one query for the page's pictures and one for its mentions (home adds one: whom the reader follows),
however long the page is and whatever it embeds. Hidden from a reader: deleted posts, posts they reported, and posts by (or reposting) people they
have blocked.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.accounts.models import Block, User
from apps.microblog.models import Follow, Mention, Post, PostImage, PostLike, PostTopic, Report, TopicFollow

PAGE_SIZE = 20
NEWER_MAX = 50  # the "N new posts" pill loads at most this many at once
DENSE_FROM = 10  # following more people than this, home walks the posts table newest first (bench_weibo)


@dataclass
class Page:
    posts: list[Post]
    next_cursor: int | None  # `before` for the next page, None at the end
    newest_id: int | None = None
    extra: dict = field(default_factory=dict)


# What a card never reads of its people (it reads names, public IDs, avatars and V): not loaded, as turning
# some 44 people's dates and settings into Python was a tenth of a page's time.
_UNREAD = (
    "password",
    "last_login",
    "is_superuser",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "date_joined",
    "public_id_changed_at",
    "bio",
    "region",
    "gender",
    "language",
    "qr_version",
    "findable_by_id",
    "addable_by_qr",
    "send_read_receipts",
)


def _visible(viewer: User | None) -> QuerySet[Post]:
    posts = (
        Post.objects.filter(deleted_at__isnull=True)
        .select_related("author", "origin", "origin__author")
        .defer(*(f"{who}__{name}" for who in ("author", "origin__author") for name in _UNREAD))
    )
    if viewer is None or not viewer.is_authenticated:
        return posts
    blocked = Block.objects.filter(blocker=viewer).values("blocked")
    reported = Report.objects.filter(reporter=viewer, post__isnull=False).values("post")
    return (
        posts.exclude(author__in=blocked)
        .exclude(origin__author__in=blocked)
        .exclude(pk__in=reported)
        .annotate(liked=Exists(PostLike.objects.filter(post=OuterRef("pk"), person=viewer)))
    )


def _page(posts: QuerySet[Post], *, before: int | None, after: int | None, size: int) -> Page:
    if before is not None:
        posts = posts.filter(pk__lt=before)
    if after is not None:
        posts = posts.filter(pk__gt=after)
        size = min(size, NEWER_MAX)
    rows = list(posts.order_by("-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    attach(rows)
    return Page(rows, rows[-1].pk if more and rows else None, rows[0].pk if rows else after)


class Picture(NamedTuple):
    """One of a post's pictures as a card shows it (no model instances: a page has up to 360)."""

    url: str
    thumbnail_url: str
    width: int
    height: int


class Mentioned(NamedTuple):
    """A person a post links by @name: what resolves the name and links their page."""

    pk: int
    username: str
    public_id: str


def attach(posts: list[Post]) -> list[Post]:
    """Give each post (and the original it embeds) its `pictures` and linked `mentioned` people: two queries
    in all."""
    shown = {p.pk: p for p in posts}
    for post in posts:
        if post.origin is not None:
            shown.setdefault(post.origin.pk, post.origin)
    pictures: dict[int, list[Picture]] = {pk: [] for pk in shown}
    mentioned: dict[int, list[Mentioned]] = {pk: [] for pk in shown}
    if shown:
        full, thumb = (PostImage._meta.get_field(name).storage for name in ("image", "thumbnail"))
        rows = PostImage.objects.filter(post_id__in=shown).order_by("post_id", "position")
        for post_id, image, thumbnail, width, height in rows.values_list(
            "post_id", "image", "thumbnail", "width", "height"
        ):
            pictures[post_id].append(Picture(full.url(image), thumb.url(thumbnail), width, height))
        for post_id, *person in Mention.objects.filter(post_id__in=shown).values_list(
            "post_id", "person_id", "person__username", "person__public_id"
        ):
            mentioned[post_id].append(Mentioned(*person))
    for pk, post in shown.items():
        post.pictures = pictures[pk]
        post.mentioned = mentioned[pk]
    for post in posts:  # an origin shared by two posts of the page is one object with both
        if post.origin is not None:
            post.origin = shown[post.origin.pk]
    return posts


def home(viewer: User, *, before: int | None = None, after: int | None = None, size: int = PAGE_SIZE) -> Page:
    """What `viewer` follows: their people's posts and reposts, posts with their topics, and their own.

    Two plans, picked by how many people `viewer` follows (one query for that, so four a page). Following
    many, their posts are dense in the table: walk it newest first and test each post by index lookups
    (about 20 / density rows). Following few, their posts are sparse: gather them through the author index
    and sort the few (about their post count). Either way the page costs the same number of queries.
    """
    followees = list(
        Follow.objects.filter(fan=viewer).values_list("followee_id", flat=True)[: DENSE_FROM + 1]
    )
    topics = TopicFollow.objects.filter(person=viewer).values("topic")
    if len(followees) > DENSE_FROM:
        mine = (
            Q(author=viewer)
            | Exists(Follow.objects.filter(fan=viewer, followee=OuterRef("author")))
            | Exists(PostTopic.objects.filter(post=OuterRef("pk"), topic__in=topics))
        )
    else:
        with_topics = PostTopic.objects.filter(topic__in=topics).values("post")
        mine = Q(author_id__in=[viewer.pk, *followees]) | Q(pk__in=with_topics)
    return _page(_visible(viewer).filter(mine), before=before, after=after, size=size)


def square(
    viewer: User | None, *, before: int | None = None, after: int | None = None, size: int = PAGE_SIZE
) -> Page:
    """Everyone's posts, newest first (Weibo's public square)."""
    return _page(_visible(viewer), before=before, after=after, size=size)


def person_posts(
    viewer: User | None,
    person: User,
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """A person's posts and reposts, newest first (their page)."""
    return _page(_visible(viewer).filter(author=person), before=before, after=after, size=size)


def posts_with_ids(viewer: User | None, ids: list[int]) -> list[Post]:
    """These posts if `viewer` may see them, newest first, ready for cards (lane T's topic page uses it)."""
    return attach(list(_visible(viewer).filter(pk__in=ids).order_by("-pk")))


def post_for(viewer: User | None, pk: int) -> Post | None:
    """One post for its page: deleted or hidden from `viewer` reads as missing."""
    post = _visible(viewer).filter(pk=pk).first()
    return attach([post])[0] if post is not None else None
