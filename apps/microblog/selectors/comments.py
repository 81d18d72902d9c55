"""A post's comments as a reader sees them: floors sorted hot or by time, each with its first two replies and
"N more replies", in a fixed number of queries per page; what the reader reported or whose author they
blocked is not there."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import Lower, RowNumber
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString

from apps.accounts.models import Block, User
from apps.microblog import text as weibo_text
from apps.microblog.models import Comment, CommentLike, Post, PostLike, Report

FLOORS_PER_PAGE = 20
REPLIES_SHOWN = 2  # under each floor; the rest open on "N more replies"
REPLIES_PER_PAGE = 50
SORTS = {
    "hot": ("-likes", "-replies_count", "-id"),  # Weibo's 按热度: likes, then replies, then newest
    "time": ("-id",),  # 按时间: newest first
}


@dataclass
class Floor:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)
    more: int = 0  # replies not shown


@dataclass
class FloorsPage:
    floors: list[Floor]
    sort: str
    page: int
    has_next: bool


def _blocked_by(viewer: User):
    return Block.objects.filter(blocker=viewer).values("blocked")


def visible_comments(viewer: User) -> QuerySet[Comment]:
    """Live comments, less those `viewer` reported and those by people `viewer` blocked."""
    reported = Report.objects.filter(reporter=viewer, comment=OuterRef("pk"))
    return (
        Comment.objects.filter(deleted_at__isnull=True)
        .exclude(author__in=_blocked_by(viewer))
        .exclude(Exists(reported))
    )


def visible_post(viewer: User, post_id: int) -> Post | None:
    """The live post, unless `viewer` reported it or blocked its author (then it is gone for them)."""
    reported = Report.objects.filter(reporter=viewer, post=OuterRef("pk"))
    return (
        Post.objects.filter(pk=post_id, deleted_at__isnull=True)
        .exclude(author__in=_blocked_by(viewer))
        .exclude(Exists(reported))
        .select_related("author")
        .annotate(liked=Exists(PostLike.objects.filter(post=OuterRef("pk"), person=viewer)))
        .first()
    )


def floors(*, viewer: User, post: Post, sort: str = "hot", page: int = 1) -> FloorsPage:
    """One page of `post`'s floors with their first replies: four queries, whatever the page holds."""
    sort = sort if sort in SORTS else "hot"
    page = max(page, 1)
    start = (page - 1) * FLOORS_PER_PAGE
    rows = list(
        visible_comments(viewer)
        .filter(post=post, floor__isnull=True)
        .select_related("author")
        .order_by(*SORTS[sort])[start : start + FLOORS_PER_PAGE + 1]
    )
    has_next = len(rows) > FLOORS_PER_PAGE
    rows = rows[:FLOORS_PER_PAGE]
    by_floor = {c.pk: Floor(c) for c in rows}
    if by_floor:
        first_replies = (
            visible_comments(viewer)
            .filter(floor_id__in=list(by_floor))
            .annotate(
                position=Window(RowNumber(), partition_by=[F("floor_id")], order_by=F("id").asc()),
                visible=Window(Count("id"), partition_by=[F("floor_id")]),
            )
            .filter(position__lte=REPLIES_SHOWN)
            .select_related("author", "reply_to__author")
            .order_by("floor_id", "id")
        )
        for reply in first_replies:
            floor = by_floor[reply.floor_id]
            floor.replies.append(reply)
            floor.more = reply.visible - REPLIES_SHOWN if reply.visible > REPLIES_SHOWN else 0
    comments = [c for f in by_floor.values() for c in (f.comment, *f.replies)]
    decorate(viewer, comments)
    return FloorsPage(list(by_floor.values()), sort, page, has_next)


def floor_replies(*, viewer: User, floor: Comment, after: int = 0) -> tuple[list[Comment], bool]:
    """A floor's replies, oldest first, `REPLIES_PER_PAGE` after reply id `after`; and whether more follow."""
    rows = list(
        visible_comments(viewer)
        .filter(floor=floor, pk__gt=after)
        .select_related("author", "reply_to__author")
        .order_by("id")[: REPLIES_PER_PAGE + 1]
    )
    decorate(viewer, rows[:REPLIES_PER_PAGE])
    return rows[:REPLIES_PER_PAGE], len(rows) > REPLIES_PER_PAGE


def visible_floor(viewer: User, comment_id: int) -> Comment | None:
    """A top-level comment `viewer` may see, on a post they may see."""
    comment = (
        visible_comments(viewer).filter(pk=comment_id, floor__isnull=True).select_related("author").first()
    )
    if comment is None or visible_post(viewer, comment.post_id) is None:
        return None
    return comment


def decorate(viewer: User, comments: list[Comment]) -> None:
    """Set `liked` (by `viewer`) and `html` (the text with its topics and mentions linked) on each comment:
    two queries for the lot."""
    if not comments:
        return
    liked = set(
        CommentLike.objects.filter(person=viewer, comment__in=[c.pk for c in comments]).values_list(
            "comment_id", flat=True
        )
    )
    parsed = {c.pk: weibo_text.parse(c.text) for c in comments}
    people = people_named({t.value for tokens in parsed.values() for t in tokens if t.kind == "mention"})
    for c in comments:
        c.liked = c.pk in liked
        c.html = render(parsed[c.pk], people)


def people_named(names: set[str]) -> dict[str, User]:
    """Mentioned names to people, by public ID, then username (case-insensitive), in one query."""
    if not names:
        return {}
    folded = {n.casefold() for n in names}
    found = User.objects.annotate(lower_name=Lower("username")).filter(
        Q(public_id__in=names) | Q(lower_name__in=folded), is_active=True
    )
    by_public_id = {u.public_id: u for u in found}
    by_username = {u.username.casefold(): u for u in by_public_id.values()}
    return {
        n: by_public_id.get(n) or by_username.get(n.casefold())
        for n in names
        if n in by_public_id or n.casefold() in by_username
    }


def _url(name: str, arg: str) -> str | None:
    # Topic and person pages belong to other lanes: link only once their routes exist.
    try:
        return reverse(name, args=[arg])
    except NoReverseMatch:
        return None


def render(tokens: list[weibo_text.Token], people: dict[str, User]) -> SafeString:
    tokens = [
        t if t.kind != "topic" or _url("microblog:topic", t.value) else weibo_text.Token("text", t.text)
        for t in tokens
    ]
    return weibo_text.render(
        tokens,
        topic_url=lambda name: _url("microblog:topic", name),
        person_url=lambda name: (p := people.get(name)) and _url("microblog:person", p.public_id),
    )


def like_count(*, post_id: int | None = None, comment_id: int | None = None) -> int:
    """The likes a post or comment has now (shown after a like or unlike)."""
    model, pk = (Post, post_id) if post_id is not None else (Comment, comment_id)
    return model.objects.filter(pk=pk).values_list("likes", flat=True).first() or 0
