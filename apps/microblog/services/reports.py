"""Reporting a post or a comment: hidden from the reporter at once (the report row is what hides it), and
queued for moderators, who hide it for everyone or dismiss the report in the admin."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core import clock
from apps.core.errors import DomainError
from apps.microblog.models import Comment, Report
from apps.microblog.services.comments import comment_remove, live_post
from apps.microblog.services.posts import post_take_down, publish_counts

REASON_MAX = 200


@transaction.atomic
def report_create(
    *, actor: User, post_id: int | None = None, comment_id: int | None = None, reason: str = ""
) -> Report:
    """Report a post or a comment (one of them). Reporting the same thing again changes nothing."""
    if (post_id is None) == (comment_id is None):
        raise DomainError(_("Report a post or a comment."))
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise DomainError(_("A reason can be at most %(max)d characters.") % {"max": REASON_MAX})
    if post_id is not None:
        target = live_post(post_id)
        fields = {"post": target}
    else:
        target = Comment.objects.filter(pk=comment_id, deleted_at__isnull=True).first()
        if target is None:
            raise DomainError(_("That comment has been deleted."), code="not_found")
        fields = {"comment": target}
    if target.author_id == actor.pk:
        raise DomainError(_("You can't report yourself."))
    existing = Report.objects.filter(reporter=actor, **fields).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Report.objects.create(reporter=actor, reason=reason, created_at=clock.now(), **fields)
    except IntegrityError:  # the same report from another tab, at the same moment
        return Report.objects.get(reporter=actor, **fields)


def _open_reports_on(report: Report):
    same = {"post_id": report.post_id} if report.post_id else {"comment_id": report.comment_id}
    return Report.objects.filter(resolved_at__isnull=True, **same)


@transaction.atomic
def report_hide_for_everyone(*, report: Report) -> int:
    """A moderator upholds a report: the post or comment is deleted for everyone (a post keeps its row, so
    chains say "This post has been deleted"), and every open report on it is resolved. Returns how many."""
    now = clock.now()
    if report.post_id:
        post_take_down(post_id=report.post_id)
    else:
        comment = Comment.objects.get(pk=report.comment_id)
        if comment_remove(comment):
            publish_counts([comment.post_id])
    return _open_reports_on(report).update(resolved_at=now)


@transaction.atomic
def report_dismiss(*, report: Report) -> int:
    """A moderator finds nothing wrong: every open report on it is resolved; reporters still don't see it."""
    return _open_reports_on(report).update(resolved_at=clock.now())
