"""Likes on posts and on comments: once per person (the database's unique constraint decides, so two taps
at once make one like), counts moved by F() in the same transaction, the author told once."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core import clock, ratelimit
from apps.core.errors import NotFound, RateLimited
from apps.microblog.models import Comment, CommentLike, Post, PostLike
from apps.microblog.services import notifications
from apps.microblog.services.comments import live_post
from apps.microblog.services.posts import publish_counts

LIKE_LIMIT = 60  # likes and unlikes per person per minute
LIKE_WINDOW = 60


def _count_attempt(actor: User) -> None:
    verdict = ratelimit.hit(f"weibo:like:{actor.pk}", limit=LIKE_LIMIT, window=LIKE_WINDOW)
    if not verdict.allowed:
        ratelimit.release(verdict)
        raise RateLimited(_("You're liking too fast. Please wait a minute."), retry_after=verdict.retry_after)


def _insert_once(model, **fields) -> bool:
    """Insert the like row; False if this person's like is already there (a double tap, another tab)."""
    try:
        with transaction.atomic():  # a savepoint: the outer transaction survives the refused insert
            model.objects.create(created_at=clock.now(), **fields)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def post_like(*, actor: User, post_id: int) -> bool:
    """Like a post; True if this made a new like (False: it was liked already, nothing changes)."""
    _count_attempt(actor)
    post = live_post(post_id)
    if not _insert_once(PostLike, post=post, person=actor):
        return False
    Post.objects.filter(pk=post.pk).update(likes=F("likes") + 1)
    notifications.notify(recipients=[post.author_id], actor=actor, kind=notifications.Kind.LIKE, post=post)
    publish_counts([post.pk])
    return True


@transaction.atomic
def post_unlike(*, actor: User, post_id: int) -> bool:
    """Take back a like; True if there was one."""
    _count_attempt(actor)
    post = live_post(post_id)
    deleted, _rows = PostLike.objects.filter(post=post, person=actor).delete()
    if not deleted:
        return False
    Post.objects.filter(pk=post.pk, likes__gte=1).update(likes=F("likes") - 1)
    publish_counts([post.pk])
    return True


def _live_comment(comment_id: int) -> Comment:
    comment = Comment.objects.filter(
        pk=comment_id, deleted_at__isnull=True, post__deleted_at__isnull=True
    ).first()
    if comment is None:
        raise NotFound(_("That comment has been deleted."))
    return comment


@transaction.atomic
def comment_like(*, actor: User, comment_id: int) -> bool:
    """Like a comment; True if this made a new like."""
    _count_attempt(actor)
    comment = _live_comment(comment_id)
    if not _insert_once(CommentLike, comment=comment, person=actor):
        return False
    Comment.objects.filter(pk=comment.pk).update(likes=F("likes") + 1)
    notifications.notify(
        recipients=[comment.author_id],
        actor=actor,
        kind=notifications.Kind.LIKE,
        comment=comment,
    )
    return True


@transaction.atomic
def comment_unlike(*, actor: User, comment_id: int) -> bool:
    """Take back a like on a comment; True if there was one."""
    _count_attempt(actor)
    comment = _live_comment(comment_id)
    deleted, _rows = CommentLike.objects.filter(comment=comment, person=actor).delete()
    if not deleted:
        return False
    Comment.objects.filter(pk=comment.pk, likes__gte=1).update(likes=F("likes") - 1)
    return True
