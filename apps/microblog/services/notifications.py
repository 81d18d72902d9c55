"""Weibo's notifications: one row per thing that happened to someone, and a live word that their counts changed.

Every lane that notifies calls `notify` inside its own transaction; nobody is told of their own action or of
an action by someone they have blocked (Weibo hides a blocked person's mentions and comments from the blocker).

Notifying counts nothing: a like or a comment happens far more often than anyone looks, so the recipients' open
tabs count their own badges (`badges.refresh_for`) and an open notifications list asks for its counts
(`weibo.unread`); people with no tab open cost nothing but the row.
"""

from django.db.models import Count

from apps.accounts.models import Block, User
from apps.core import badges, clock
from apps.core.events import publish
from apps.microblog.models import Comment, Notification, Post

Kind = Notification.Kind


def notify(
    *,
    recipients: list[User] | list[int],
    actor: User,
    kind: str,
    post: Post | None = None,
    comment: Comment | None = None,
) -> list[int]:
    """Tell `recipients` that `actor` did `kind` (on `post`/`comment`); returns who was told."""
    ids = {r if isinstance(r, int) else r.pk for r in recipients} - {actor.pk}
    if not ids:
        return []
    blockers = set(
        Block.objects.filter(blocker_id__in=ids, blocked=actor).values_list("blocker_id", flat=True)
    )
    told = sorted(ids - blockers)
    now = clock.now()
    post_id = post.pk if post is not None else (comment.post_id if comment is not None else None)
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=i, actor=actor, kind=kind, post_id=post_id, comment=comment, created_at=now
            )
            for i in told
        ]
    )
    publish(user_ids=told, type="weibo.notification", data={"kind": kind})
    badges.refresh_for(told)
    return told


def unread_counts(user_id: int) -> dict[str, int]:
    """Unread notifications of a person by kind (every kind present, zeros included)."""
    counts = dict(
        Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return {kind: counts.get(kind, 0) for kind in Kind.values}


# The Discover tab's Weibo count: read by the tab bar with the other tabs' counts in one statement.
UNREAD = badges.SQLCount(
    f"SELECT COUNT(*) FROM {Notification._meta.db_table} WHERE recipient_id = %s AND read_at IS NULL",  # noqa: S608
    params=lambda user: [user.pk],
)


def unread_total(user: User) -> int:
    """The Discover tab's Weibo count (registered with `badges`)."""
    return UNREAD.of(user)


def notifications_read(*, actor: User, kind: str) -> int:
    """Mark `actor`'s unread notifications of `kind` read (opening that list); returns how many."""
    marked = Notification.objects.filter(recipient=actor, kind=kind, read_at__isnull=True).update(
        read_at=clock.now()
    )
    if marked:
        publish(user_ids=[actor.pk], type="weibo.notification", data={"counts": unread_counts(actor.pk)})
        badges.publish_for(actor)
    return marked
