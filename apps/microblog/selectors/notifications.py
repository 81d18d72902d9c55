"""Weibo's notifications as their recipient reads them, one kind at a time."""

from django.urls import NoReverseMatch, reverse

from apps.accounts.models import Block, User
from apps.microblog.models import Notification

PER_PAGE = 50


def _url(name: str, arg) -> str:
    # The post and person pages belong to other lanes: fall back to the comments page, or no link.
    try:
        return reverse(name, args=[arg])
    except NoReverseMatch:
        return ""


def target_url(notification: Notification) -> str:
    """Where tapping a notification goes: the comment in its thread, the post, or the new fan."""
    if notification.post_id:
        url = _url("microblog:post", notification.post_id) or _url(
            "microblog:post_comments", notification.post_id
        )
        return f"{url}#c{notification.comment_id}" if notification.comment_id and url else url
    return _url("microblog:person", notification.actor.public_id)


def of_kind(*, viewer: User, kind: str) -> list[Notification]:
    """The newest notifications of `kind` for `viewer` (none from people they blocked since), with `url`."""
    rows = list(
        Notification.objects.filter(recipient=viewer, kind=kind)
        .exclude(actor__in=Block.objects.filter(blocker=viewer).values("blocked"))
        .select_related("actor", "post", "comment")
        .order_by("-id")[:PER_PAGE]
    )
    for row in rows:
        row.url = target_url(row)
    return rows
