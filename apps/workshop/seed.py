"""Workshop mode's sample data: the presenter (James, who runs social media workshops in Shanghai) is a demo
host, the workshop group chat exists with him in it, and attendees kept across a reset are welcomed again."""

from django.contrib.auth import get_user_model
from django.db.models import Count

from apps.accounts.models import FriendRequest, Friendship
from apps.chat.models import Conversation, Membership
from apps.core import clock

from . import access, console, joining
from .models import Attendee

PRESENTER = "james"


def seed() -> None:
    presenter = get_user_model().objects.filter(username=PRESENTER).first()
    if presenter is not None:
        access.host_add(presenter)
    host = joining.presenter()
    if host is None:
        return
    group = joining.workshop_group(host)
    if group is None:  # the chat seed makes it with the whole cast; without it, the host's own
        now = clock.now()
        group = Conversation.objects.create(
            kind=Conversation.Kind.GROUP,
            name=joining.GROUP_NAME,
            owner=host,
            created_at=now,
            last_message_at=now,
        )
        Membership.objects.create(conversation=group, user=host, role=Membership.Role.OWNER, joined_at=now)
    _welcome_kept(host, group)


def _welcome_kept(host, group) -> None:
    """Attendees kept across a reset: the host's friends, in the group and funded again (the cast's removal
    took their friendships, the group and the wallet with it). In bulk: a room of 300 within the reset's
    10 seconds. Quiet, as the rest of the sample data: nobody is sent events for it."""
    users = [a.user for a in Attendee.objects.select_related("user")]
    if not users:
        return
    now = clock.now()
    Friendship.objects.bulk_create(
        [
            Friendship(owner=a, friend=b, source=FriendRequest.Source.QR, created_at=now)
            for user in users
            for a, b in ((user, host), (host, user))
        ],
        ignore_conflicts=True,
    )
    Membership.objects.filter(conversation=group, user__in=users, active=False).update(
        active=True, left_seq=None, cleared_before_seq=group.last_seq, last_read_seq=group.last_seq
    )
    Membership.objects.bulk_create(
        [
            Membership(
                conversation=group,
                user=user,
                cleared_before_seq=group.last_seq,
                last_read_seq=group.last_seq,
                joined_at=now,
            )
            for user in users
        ],
        ignore_conflicts=True,
    )
    for user in users:
        joining.fund(user)


def unseed() -> None:
    """The console counts again from scratch. The join code stays as it is: the one on the screen still works."""
    console.reset()


def unseed_people(*, keep_attendees: bool) -> None:
    """After every feature's unseed (their rows no longer hold anyone): remove the attendees' quick accounts,
    and whatever they still own, unless they are kept. Their 1:1 chats whose other side is gone (the cast
    was removed) go too; removed, their groups as well (a conversation outlives its members otherwise)."""
    ids = list(Attendee.objects.values_list("user_id", flat=True))
    chats = Conversation.objects.filter(kind=Conversation.Kind.DIRECT, memberships__user_id__in=ids)
    if keep_attendees:
        mine = Conversation.objects.filter(pk__in=list(chats.values_list("pk", flat=True)))
        lone = mine.annotate(people=Count("memberships")).filter(people__lt=2)  # every member counted
        Conversation.objects.filter(pk__in=list(lone.values_list("pk", flat=True))).delete()
        return
    Conversation.objects.filter(pk__in=list(chats.values_list("pk", flat=True))).delete()
    Conversation.objects.filter(kind=Conversation.Kind.GROUP, owner_id__in=ids).delete()
    get_user_model().objects.filter(pk__in=ids).delete()


def summary() -> list[str]:
    return [
        f"Workshop console (DEMO_MODE only): /workshop/, log in as {PRESENTER} (a demo host)",
        "Phones side by side (DEMO_MODE only, demo hosts): /workshop/phones/",
    ]
