"""Conversations and groups: the 1:1 chat, group membership and roles, a chat's settings.

Group invites (QR token, join code, reset) live in apps.chat.invites, which joins through here.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.selectors import are_friends, can_message, is_blocked_between
from apps.accounts.services import friend_request_send, user_block
from apps.chat import selectors
from apps.chat.models import MAX_GROUP_MEMBERS, MAX_JOIN_BY_CODE, ChatProfile, Conversation, Membership
from apps.core import badges, clock
from apps.core.errors import DomainError, NotFound
from apps.core.events import publish

from .sending import message_post_system, parse_id


def _membership_create(conv: Conversation, user: User, role=Membership.Role.MEMBER) -> Membership:
    existing = Membership.objects.filter(conversation=conv, user=user).first()
    if existing is not None:
        if not existing.active:
            existing.active = True
            existing.role = role
            existing.cleared_before_seq = conv.last_seq
            existing.last_read_seq = conv.last_seq
            existing.left_seq = None
            existing.joined_at = clock.now()
            existing.save()
        return existing
    return Membership.objects.create(
        conversation=conv,
        user=user,
        role=role,
        cleared_before_seq=conv.last_seq,
        last_read_seq=conv.last_seq,
        joined_at=clock.now(),
    )


def conversation_direct_get_or_create(*, a: User, b: User, allow_strangers: bool = False) -> Conversation:
    """The one 1:1 chat of `a` and `b`: friends only, unless a feature (bottle, shake) allows strangers."""
    if a.pk == b.pk:
        raise DomainError(_("You can't chat with yourself."), code="invalid")
    if is_blocked_between(a, b):
        raise DomainError(_("You can't message this person."), code="blocked")
    if not allow_strangers and not can_message(a, b):
        raise DomainError(_("Add %(name)s as a friend first.") % {"name": b}, code="not_friends")
    low, high = sorted([a.pk, b.pk])
    key = f"{low}:{high}"
    with transaction.atomic():
        conv = Conversation.objects.filter(direct_key__in=[key, f"s{key}"]).first()
        if conv is None:
            try:
                with transaction.atomic():
                    conv = Conversation.objects.create(
                        kind=Conversation.Kind.DIRECT,
                        direct_key=f"s{key}" if allow_strangers and not are_friends(a, b) else key,
                        created_at=clock.now(),
                    )
            except IntegrityError:
                return Conversation.objects.get(direct_key__in=[key, f"s{key}"])
        for person in (a, b):
            _membership_create(conv, person)
        Membership.objects.filter(conversation=conv, user=a).update(hidden=False)
    return conv


def conversation_bottle_open(*, thrower: User, finder: User, bottle_id: int) -> Conversation:
    """The chat a drift bottle's reply opens between its thrower and its finder: one per bottle, strangers
    allowed, blocks as in any 1:1 chat (apps.bottles calls this; the chat only keeps the `bottle` mark)."""
    if thrower.pk == finder.pk:
        raise DomainError(_("You can't chat with yourself."), code="invalid")
    if is_blocked_between(thrower, finder):
        raise DomainError(_("You can't message this person."), code="blocked")
    with transaction.atomic():
        conv, _created = Conversation.objects.get_or_create(
            direct_key=f"b{bottle_id}",
            defaults={"kind": Conversation.Kind.DIRECT, "bottle": True, "created_at": clock.now()},
        )
        for person in (thrower, finder):
            _membership_create(conv, person)
    return conv


def conversation_end(*, actor: User, conversation_id) -> Conversation:
    """End a bottle chat for both people: neither can write in it again; the history stays readable."""
    membership = selectors.access_membership(user=actor, pk=conversation_id)
    if not membership.conversation.bottle:
        raise NotFound()
    with transaction.atomic():
        conv = Conversation.objects.select_for_update().get(pk=conversation_id)
        if conv.ended_at is not None:
            return conv
        message_post_system(conversation=conv, event="bottle_ended", params={"actor": str(actor)})
        conv.refresh_from_db()
        conv.ended_at = clock.now()
        conv.save(update_fields=["ended_at"])
        member_ids = selectors.member_ids(conv)
        Membership.objects.filter(conversation=conv).update(active=False, left_seq=conv.last_seq)
        _publish_conversation(conv, member_ids)
    return conv


def _other_in_bottle_chat(actor: User, conversation_id) -> User:
    """The other person of a bottle chat `actor` is (or was) in; a bottle chat shows no profile to act from."""
    membership = selectors.access_membership(user=actor, pk=conversation_id, include_inactive=True)
    other = Membership.objects.filter(conversation_id=membership.conversation_id).exclude(user=actor).first()
    if not membership.conversation.bottle or other is None:
        raise NotFound()
    return other.user


def conversation_block_other(*, actor: User, conversation_id) -> None:
    """Block the other person of a bottle chat from inside it (a stranger stays one on the blocked list)."""
    other = _other_in_bottle_chat(actor, conversation_id)
    user_block(actor=actor, target=other, anonymous=not are_friends(actor, other))


def conversation_befriend_other(*, actor: User, conversation_id) -> None:
    """Ask the other person of a bottle chat to be friends (neither has the other's ID to search for)."""
    friend_request_send(sender=actor, recipient=_other_in_bottle_chat(actor, conversation_id))


def _display_names(users: Iterable[User]) -> list[str]:
    return [str(u) for u in users]


def _friends_only(actor: User, user_ids) -> list[User]:
    ids = {parse_id(u) for u in user_ids} - {actor.pk}
    people = list(User.objects.filter(pk__in=ids, is_active=True))
    if len(people) != len(ids) or not all(can_message(actor, p) for p in people):
        raise DomainError(_("You can only add your friends."), code="not_friends")
    return people


def group_create(*, actor: User, member_ids: Iterable, name: str = "") -> Conversation:
    """Start a group chat with friends (at least two others); the creator owns it."""
    people = _friends_only(actor, member_ids)
    if len(people) < 2:
        raise DomainError(_("Choose at least two friends for a group chat."), code="invalid")
    if len(people) + 1 > MAX_GROUP_MEMBERS:
        raise DomainError(
            _("A group chat can have at most %(n)s members.") % {"n": MAX_GROUP_MEMBERS}, code="full"
        )
    name = (name or "").strip()[:40] or "、".join(_display_names([actor, *people][:4]))[:40]
    with transaction.atomic():
        conv = Conversation.objects.create(
            kind=Conversation.Kind.GROUP,
            name=name,
            owner=actor,
            created_at=clock.now(),
            last_message_at=clock.now(),
        )
        _membership_create(conv, actor, Membership.Role.OWNER)
        for person in people:
            _membership_create(conv, person)
        message_post_system(
            conversation=conv, event="invited", params={"actor": str(actor), "names": _display_names(people)}
        )
        _publish_conversation(conv)
    return conv


def _admin_membership(actor: User, conversation: Conversation) -> Membership:
    membership = selectors.access_membership(user=actor, pk=conversation.pk)
    if not membership.conversation.is_group:
        raise NotFound()
    if not membership.is_admin:
        raise DomainError(_("Only the group owner and admins can do that."), code="forbidden")
    return membership


def _publish_conversation(conv: Conversation, extra_user_ids: Iterable[int] = ()) -> None:
    """Tell members (and anyone just removed) that names, members or settings changed."""
    publish(
        user_ids=[*selectors.member_ids(conv), *extra_user_ids],
        type="chat.conversation",
        data={"conversation": conv.pk, "name": conv.name, "announcement": conv.announcement},
    )


def group_add_members(*, actor: User, conversation: Conversation, user_ids: Iterable) -> list[User]:
    """Invite friends into a group you are in."""
    membership = selectors.access_membership(user=actor, pk=conversation.pk)
    conv = membership.conversation
    if not conv.is_group:
        raise NotFound()
    people = _friends_only(actor, user_ids)
    return _add_members(conv, people, actor=actor, event="invited", limit=MAX_GROUP_MEMBERS)


def _add_members(
    conv: Conversation, people: list[User], *, actor: User, event: str, limit: int
) -> list[User]:
    with transaction.atomic():
        conv = Conversation.objects.select_for_update().get(pk=conv.pk)
        current = set(selectors.member_ids(conv))
        new = [p for p in people if p.pk not in current]
        if not new:
            return []
        if len(current) + len(new) > limit:
            if limit == MAX_JOIN_BY_CODE:
                raise DomainError(
                    _("This group has more than %(n)s members: ask a member to invite you.")
                    % {"n": MAX_JOIN_BY_CODE},
                    code="full",
                )
            raise DomainError(
                _("A group chat can have at most %(n)s members.") % {"n": MAX_GROUP_MEMBERS}, code="full"
            )
        for person in new:
            _membership_create(conv, person)
        message_post_system(
            conversation=conv, event=event, params={"actor": str(actor), "names": _display_names(new)}
        )
        _publish_conversation(conv)
    return new


def group_remove_member(*, actor: User, conversation: Conversation, user_id) -> None:
    """Remove a member (owner: anyone; admins: ordinary members). They keep the history up to here."""
    membership = _admin_membership(actor, conversation)
    conv = membership.conversation
    target = (
        Membership.objects.filter(conversation=conv, user_id=parse_id(user_id), active=True)
        .select_related("user")
        .first()
    )
    if target is None or target.user_id == actor.pk:
        raise NotFound()
    if target.role == Membership.Role.OWNER or (
        target.role == Membership.Role.ADMIN and membership.role != Membership.Role.OWNER
    ):
        raise DomainError(_("Only the group owner can remove an admin."), code="forbidden")
    with transaction.atomic():
        message_post_system(
            conversation=conv, event="removed", params={"actor": str(actor), "names": str(target.user)}
        )
        conv.refresh_from_db()
        Membership.objects.filter(pk=target.pk).update(
            active=False, left_seq=conv.last_seq, role=Membership.Role.MEMBER
        )
        _publish_conversation(conv, [target.user_id])


def group_leave(*, actor: User, conversation: Conversation) -> None:
    """Leave a group; an owner hands the group to the longest-standing admin or member first."""
    membership = selectors.access_membership(user=actor, pk=conversation.pk)
    conv = membership.conversation
    if not conv.is_group:
        raise NotFound()
    with transaction.atomic():
        message_post_system(conversation=conv, event="left", params={"actor": str(actor)})
        conv.refresh_from_db()
        Membership.objects.filter(pk=membership.pk).update(
            active=False, left_seq=conv.last_seq, role=Membership.Role.MEMBER, hidden=True
        )
        if membership.role == Membership.Role.OWNER:
            heir = (
                Membership.objects.filter(conversation=conv, active=True)
                .order_by("role", "joined_at", "pk")  # "admin" sorts before "member"
                .select_related("user")
                .first()
            )
            if heir is not None:
                Membership.objects.filter(pk=heir.pk).update(role=Membership.Role.OWNER)
                Conversation.objects.filter(pk=conv.pk).update(owner=heir.user)
                message_post_system(conversation=conv, event="owner", params={"names": str(heir.user)})
            else:
                Conversation.objects.filter(pk=conv.pk).update(owner=None)
        _publish_conversation(conv, [actor.pk])


def group_rename(*, actor: User, conversation: Conversation, name: str) -> Conversation:
    """Rename the group (any member, as in WeChat's default)."""
    membership = selectors.access_membership(user=actor, pk=conversation.pk)
    conv = membership.conversation
    name = (name or "").strip()
    if not conv.is_group:
        raise NotFound()
    if not name or len(name) > 40:
        raise DomainError(_("A group name has 1 to 40 characters."), code="invalid")
    with transaction.atomic():
        Conversation.objects.filter(pk=conv.pk).update(name=name)
        conv.name = name
        message_post_system(conversation=conv, event="renamed", params={"actor": str(actor), "name": name})
        _publish_conversation(conv)
    return conv


def group_set_announcement(*, actor: User, conversation: Conversation, text: str) -> Conversation:
    """Set the announcement pinned at the top of the group (owner and admins)."""
    membership = _admin_membership(actor, conversation)
    conv = membership.conversation
    text = (text or "").strip()
    if len(text) > 1000:
        raise DomainError(_("An announcement can be at most 1,000 characters."), code="too_long")
    with transaction.atomic():
        Conversation.objects.filter(pk=conv.pk).update(announcement=text, announcement_at=clock.now())
        conv.announcement = text
        if text:
            message_post_system(conversation=conv, event="announcement", params={"actor": str(actor)})
        _publish_conversation(conv)
    return conv


def group_set_admin(*, actor: User, conversation: Conversation, user_id, admin: bool) -> None:
    """Make a member an admin or a plain member again (owner only)."""
    membership = _admin_membership(actor, conversation)
    if membership.role != Membership.Role.OWNER:
        raise DomainError(_("Only the group owner can do that."), code="forbidden")
    target = (
        Membership.objects.filter(
            conversation=membership.conversation, user_id=parse_id(user_id), active=True
        )
        .select_related("user")
        .first()
    )
    if target is None or target.role == Membership.Role.OWNER:
        raise NotFound()
    with transaction.atomic():
        target.role = Membership.Role.ADMIN if admin else Membership.Role.MEMBER
        target.save(update_fields=["role"])
        if admin:
            message_post_system(
                conversation=membership.conversation, event="admin", params={"names": str(target.user)}
            )
        _publish_conversation(membership.conversation)


def membership_update(
    *, actor: User, conversation_id, muted: bool | None = None, pinned: bool | None = None
) -> Membership:
    """Mute or pin a chat in your own list."""
    membership = selectors.access_membership(user=actor, pk=conversation_id)
    fields = []
    if muted is not None:
        membership.muted = bool(muted)
        fields.append("muted")
    if pinned is not None:
        membership.pinned = bool(pinned)
        fields.append("pinned")
    if fields:
        membership.save(update_fields=fields)
        badges.publish_for(actor)
    return membership


def conversation_clear(*, actor: User, conversation_id) -> None:
    """Clear the chat's history for yourself."""
    membership = selectors.access_membership(user=actor, pk=conversation_id)
    Membership.objects.filter(pk=membership.pk).update(
        cleared_before_seq=membership.conversation.last_seq, last_read_seq=membership.conversation.last_seq
    )


def conversation_hide(*, actor: User, conversation_id) -> None:
    """Remove the chat from your list until its next message (history stays)."""
    membership = selectors.access_membership(user=actor, pk=conversation_id, include_inactive=True)
    Membership.objects.filter(pk=membership.pk).update(
        hidden=True, last_read_seq=membership.conversation.last_seq
    )
    badges.publish_for(actor)


def group_join_invited(*, actor: User, conversation: Conversation, inviter: User) -> Conversation:
    """Join a group by the invite `inviter` shared, once apps.chat.invites has read and checked it
    (refused above 200 members, as in WeChat)."""
    _add_members(conversation, [actor], actor=inviter, event="joined_by_code", limit=MAX_JOIN_BY_CODE)
    return conversation


def chat_profile_update(*, actor: User, pat_suffix: str) -> ChatProfile:
    """Set what others' pats end with ("patted Li Wei's shoulder")."""
    pat_suffix = (pat_suffix or "").strip()[:20]
    profile, _created = ChatProfile.objects.get_or_create(user=actor)
    profile.pat_suffix = pat_suffix
    profile.save(update_fields=["pat_suffix"])
    return profile
