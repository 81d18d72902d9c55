"""Comments on a post, Weibo's "floor in floor": a comment on the post opens a floor; a reply to any comment
sits under that comment's floor and names whom it answers.

Counts (the post's comments, a floor's replies) move by F() updates in the same transaction as the row they
count, and the post's new counts are pushed as `weibo.counts`.
"""

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Block, User
from apps.core import clock, ratelimit
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.microblog.models import MAX_COMMENT, Comment, Post
from apps.microblog.services import notifications
from apps.microblog.services.posts import publish_counts
from apps.microblog.services.topic_activity import topics_touch

COMMENT_LIMIT = 20  # per person per minute (the shared cache)
COMMENT_WINDOW = 60

Kind = notifications.Kind


def live_post(post_id: int) -> Post:
    post = Post.objects.filter(pk=post_id, deleted_at__isnull=True).first()
    if post is None:
        raise NotFound(_("This post has been deleted."))
    return post


def _blocked_by(blocker_id: int, person: User) -> bool:
    return Block.objects.filter(blocker_id=blocker_id, blocked=person).exists()


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write a comment first."), code="empty")
    if len(text) > MAX_COMMENT:
        raise DomainError(
            _("A comment can be at most %(max)d characters.") % {"max": MAX_COMMENT}, code="too_long"
        )
    return text


def comment_create(*, actor: User, post_id: int, text: str, reply_to_id: int | None = None) -> Comment:
    """Comment on a post, or reply to one of its comments (the reply joins that comment's floor)."""
    text = _clean_text(text)
    verdict = ratelimit.hit(f"weibo:comment:{actor.pk}", limit=COMMENT_LIMIT, window=COMMENT_WINDOW)
    if not verdict.allowed:
        ratelimit.release(verdict)
        raise RateLimited(
            _("You're commenting too often. Please wait a minute."), retry_after=verdict.retry_after
        )
    try:
        return _comment_create(actor=actor, post_id=post_id, text=text, reply_to_id=reply_to_id)
    except DomainError:
        ratelimit.release(verdict)  # refused: it doesn't count against them
        raise


@transaction.atomic
def _comment_create(*, actor: User, post_id: int, text: str, reply_to_id: int | None) -> Comment:
    post = live_post(post_id)
    if _blocked_by(post.author_id, actor):
        raise DomainError(_("You can't comment on this post."), code="blocked")
    reply_to = None
    if reply_to_id is not None:
        reply_to = Comment.objects.filter(pk=reply_to_id, post=post, deleted_at__isnull=True).first()
        if reply_to is None:
            raise NotFound(_("That comment has been deleted."))
        if _blocked_by(reply_to.author_id, actor):
            raise DomainError(_("You can't reply to this person."), code="blocked")
    floor_id = (reply_to.floor_id or reply_to.pk) if reply_to else None
    now = clock.now()
    comment = Comment.objects.create(
        post=post, author=actor, text=text, floor_id=floor_id, reply_to=reply_to, created_at=now
    )
    Post.objects.filter(pk=post.pk).update(comments=F("comments") + 1)
    if floor_id is not None:
        Comment.objects.filter(pk=floor_id).update(replies_count=F("replies_count") + 1)
    topics_touch(person=actor, text=text, at=now)
    # The replied-to person hears "reply"; the post's author hears "comment" unless that reply was to them.
    if reply_to is not None:
        notifications.notify(
            recipients=[reply_to.author_id], actor=actor, kind=Kind.REPLY, post=post, comment=comment
        )
    if reply_to is None or reply_to.author_id != post.author_id:
        notifications.notify(
            recipients=[post.author_id], actor=actor, kind=Kind.COMMENT, post=post, comment=comment
        )
    publish_counts([post.pk])
    return comment


@transaction.atomic
def comment_delete(*, actor: User, comment_id: int) -> None:
    """Delete a comment: one's own, or any on one's own post. A floor goes with its replies."""
    comment = Comment.objects.select_related("post").filter(pk=comment_id, deleted_at__isnull=True).first()
    if comment is None or actor.pk not in (comment.author_id, comment.post.author_id):
        raise NotFound(_("That comment has been deleted."))
    comment_remove(comment)
    publish_counts([comment.post_id])


def comment_remove(comment: Comment) -> bool:
    """Soft-delete `comment` (and its floor's replies) and take them off the counts; False if already gone.

    The conditional update decides between two deletes at once: only one of them moves the counts.
    """
    now = clock.now()
    if not Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(deleted_at=now):
        return False
    gone = 1
    if comment.floor_id is None:
        gone += Comment.objects.filter(floor_id=comment.pk, deleted_at__isnull=True).update(deleted_at=now)
    else:
        Comment.objects.filter(pk=comment.floor_id, replies_count__gte=1).update(
            replies_count=F("replies_count") - 1
        )
    Post.objects.filter(pk=comment.post_id, comments__gte=gone).update(comments=F("comments") - gone)
    return True
