"""Weibo's websocket requests (see apps.core.realtime): the counts a tab catches up on after joining posts' live
pages (`weibo.post.<id>`), so a change made between rendering the page and joining is not missed; the unread
notifications an open notifications list shows."""

from django.utils.translation import gettext as _

from apps.core import realtime
from apps.core.errors import DomainError
from apps.microblog.selectors.counts import MAX_POSTS, post_counts
from apps.microblog.services import notifications


@realtime.on("weibo.counts")
def counts(*, user, data) -> dict:
    ids = data.get("posts")
    if not isinstance(ids, list) or len(ids) > MAX_POSTS:
        raise DomainError(_("That request could not be read."), code="malformed")
    return {"counts": post_counts(sorted({realtime.object_id(i) for i in ids}))}


@realtime.on("weibo.unread")
def unread(*, user, data) -> dict:
    """A person's unread notifications by kind: asked by an open notifications list when one arrives."""
    return {"counts": notifications.unread_counts(user.pk)}
