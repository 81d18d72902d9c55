"""Following people on Weibo: one-way (a fan follows a followee); two rows either way are a mutual follow (互关).

Blocks come first: nobody follows someone who blocked them, or someone they blocked; a block cuts the follows
between the two either way (`follows_cut_by_block`, connected to accounts' Block rows by the app config).
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Block, User
from apps.accounts.selectors import has_blocked
from apps.core import clock
from apps.core.errors import DomainError
from apps.microblog.models import Follow, Notification
from apps.microblog.services.notifications import notify

MAX_FOLLOWING = 2000  # Weibo's cap on how many people one account follows


@transaction.atomic
def follow_create(*, actor: User, followee: User) -> Follow:
    """`actor` follows `followee`, who hears of a new fan; following twice is following (told once)."""
    if actor.pk == followee.pk:
        raise DomainError(_("You can't follow yourself."))
    if has_blocked(followee, actor):
        raise DomainError(_("This person doesn't let you follow them."), code="forbidden")
    if has_blocked(actor, followee):
        raise DomainError(_("You have blocked this person. Unblock them to follow them."))
    existing = Follow.objects.filter(fan=actor, followee=followee).first()
    if existing is not None:
        return existing
    if Follow.objects.filter(fan=actor).count() >= MAX_FOLLOWING:
        raise DomainError(_("You can follow at most %(max)d people.") % {"max": MAX_FOLLOWING})
    try:
        with transaction.atomic():
            follow = Follow.objects.create(fan=actor, followee=followee, created_at=clock.now())
    except IntegrityError:  # a double tap raced itself: the first one told them
        return Follow.objects.get(fan=actor, followee=followee)
    notify(recipients=[followee], actor=actor, kind=Notification.Kind.FAN)
    return follow


def follow_delete(*, actor: User, followee: User) -> bool:
    """`actor` stops following `followee` (quietly, as on Weibo); whether they were following."""
    deleted, _by_model = Follow.objects.filter(fan=actor, followee=followee).delete()
    return bool(deleted)


def follows_cut_by_block(sender, instance: Block, created: bool = False, **kwargs) -> None:
    """post_save of accounts' Block: the two no longer follow each other, either way."""
    if created:
        Follow.objects.filter(
            Q(fan_id=instance.blocker_id, followee_id=instance.blocked_id)
            | Q(fan_id=instance.blocked_id, followee_id=instance.blocker_id)
        ).delete()
