"""Every change to chats. A send is: lock the conversation, store with the next seq, then publish.

The ack the sender gets is the stored message (id + seq); a retry with the same client id returns the
same message without storing another. Events leave after the commit (apps.core.events), rendered once
per message for every member; the database stays the truth and clients re-sync by sequence.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.accounts.selectors import are_friends, can_message, is_blocked_between
from apps.chat import cards, selectors
from apps.chat.models import (
    MAX_GROUP_MEMBERS,
    MAX_JOIN_BY_CODE,
    MAX_TEXT,
    ChatProfile,
    Conversation,
    HiddenMessage,
    Membership,
    Message,
)
from apps.chat.stickers import STICKERS
from apps.core import clock, images, ratelimit, tokens
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.core.events import publish

RECALL_WINDOW = timedelta(minutes=2)
REEDIT_WINDOW = timedelta(minutes=5)
INVITE_MAX_AGE = 7 * 24 * 3600
SEND_LIMIT, SEND_WINDOW = 20, 10  # per person
RECALLABLE = {Message.TEXT, Message.IMAGE, Message.STICKER, Message.PAT}
FORWARDABLE = {Message.TEXT, Message.IMAGE, Message.STICKER}


# --- Sending --------------------------------------------------------------------------------------------


def _check_rate(user: User) -> None:
    verdict = ratelimit.hit(f"chat.send:{user.pk}", limit=SEND_LIMIT, window=SEND_WINDOW)
    if not verdict.allowed:
        raise RateLimited(
            _("You're sending messages too fast. Please wait %(n)s s.") % {"n": verdict.retry_after},
            retry_after=verdict.retry_after,
        )


def _clean_client_id(client_id) -> str | None:
    if client_id in (None, ""):
        return None
    client_id = str(client_id)
    if len(client_id) > 64:
        raise DomainError(gettext_lazy("That request could not be read."), code="malformed")
    return client_id


def _existing(sender: User | None, client_id: str | None) -> Message | None:
    if sender is None or client_id is None:
        return None
    return (
        Message.objects.select_related("sender", "reply_to", "reply_to__sender")
        .filter(sender=sender, client_id=client_id)
        .first()
    )


def _lock_membership(sender: User, conversation: Conversation) -> tuple[Conversation, Membership]:
    """Lock the conversation row (serialises its sequence) and check the sender may post in it now."""
    conv = Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
    membership = Membership.objects.filter(conversation_id=conversation.pk, user=sender, active=True).first()
    if conv is None or membership is None:
        raise NotFound()
    if conv.kind == Conversation.Kind.DIRECT:
        other = (
            Membership.objects.filter(conversation=conv).exclude(user=sender).select_related("user").first()
        )
        if other is None or not other.user.is_active:
            raise NotFound()
        if is_blocked_between(sender, other.user):
            raise DomainError(_("The message was rejected by the receiver."), code="blocked")
        if not conv.direct_key.startswith("s") and not are_friends(sender, other.user):
            raise DomainError(
                _("%(name)s is not your friend (or removed you). Add them as a friend first.")
                % {"name": other.user},
                code="not_friends",
            )
    return conv, membership


def _store(
    *,
    conv: Conversation,
    sender: User | None,
    kind: str,
    text: str = "",
    payload: dict | None = None,
    client_id: str | None = None,
    reply_to: Message | None = None,
    mentions: list | None = None,
) -> Message:
    """Store the conversation's next message; the caller holds `conv`'s row lock (select_for_update)."""
    now = clock.now()
    # `conv` was read under the caller's row lock, so its last_seq is current and no other sender can
    # take the next number before this transaction commits.
    seq = conv.last_seq + 1
    Conversation.objects.filter(pk=conv.pk).update(last_seq=seq, last_message_at=now)
    conv.last_seq, conv.last_message_at = seq, now
    message = Message.objects.create(
        conversation=conv,
        seq=seq,
        sender=sender,
        client_id=client_id,
        kind=kind,
        text=text,
        payload=payload or {},
        reply_to=reply_to,
        mentions=mentions or [],
        created_at=now,
    )
    if sender is not None:
        # Sending means you have read everything before it.
        Membership.objects.filter(conversation=conv, user=sender).update(
            last_read_seq=conv.last_seq, hidden=False
        )
    Membership.objects.filter(conversation=conv, active=True, hidden=True).update(hidden=False)
    message.conversation = conv
    _publish(message, "chat.message")
    return message


def _publish(message: Message, event_type: str) -> None:
    """Send the message to every active member (rendered once, here, for all of them)."""
    publish(
        user_ids=selectors.member_ids(message.conversation),
        type=event_type,
        data={"conversation": message.conversation_id, "message": selectors.message_data(message)},
    )


def _send(
    *,
    sender: User,
    conversation: Conversation,
    kind: str,
    text: str = "",
    payload: dict | None = None,
    client_id=None,
    reply_to_id=None,
    mentions=None,
    rate_limited: bool = True,
) -> Message:
    client_id = _clean_client_id(client_id)
    existing = _existing(sender, client_id)
    if existing is not None:
        return existing  # a retry: the same ack, nothing stored twice, nothing published twice
    if rate_limited:
        _check_rate(sender)
    try:
        with transaction.atomic():
            conv, membership = _lock_membership(sender, conversation)
            reply_to = None
            if reply_to_id:
                reply_to = selectors.visible_messages(membership).filter(pk=_int(reply_to_id)).first()
                if reply_to is None:
                    raise NotFound(_("The quoted message is no longer available."))
            clean_mentions = _clean_mentions(membership, mentions) if conv.is_group else []
            message = _store(
                conv=conv,
                sender=sender,
                kind=kind,
                text=text,
                payload=payload,
                client_id=client_id,
                reply_to=reply_to,
                mentions=clean_mentions,
            )
            _mark_mentions(conv, message, clean_mentions)
            return message
    except IntegrityError:
        # Two copies of one retry raced: the other one won, so answer with its message.
        existing = _existing(sender, client_id)
        if existing is None:
            raise
        return existing


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def _clean_mentions(membership: Membership, mentions) -> list:
    if not mentions:
        return []
    if not isinstance(mentions, list) or len(mentions) > 50:
        raise DomainError(_("That request could not be read."), code="malformed")
    if "all" in mentions:
        if not membership.is_admin:
            raise DomainError(_("Only the group owner and admins can @all."), code="forbidden")
        return ["all"]
    wanted = {_int(m) for m in mentions}
    return sorted(
        Membership.objects.filter(conversation_id=membership.conversation_id, active=True, user_id__in=wanted)
        .exclude(user_id=membership.user_id)
        .values_list("user_id", flat=True)
    )


def _mark_mentions(conv: Conversation, message: Message, mentions: list) -> None:
    if not mentions:
        return
    qs = Membership.objects.filter(conversation=conv, active=True).exclude(user_id=message.sender_id)
    if mentions != ["all"]:
        qs = qs.filter(user_id__in=mentions)
    qs.update(mention_seq=message.seq)


def message_send(
    *,
    sender: User,
    conversation: Conversation,
    text: str,
    client_id: str | None = None,
    reply_to_id: int | None = None,
    mentions: list | None = None,
) -> Message:
    """Post a text message (≤ 2,000 characters), optionally quoting one and @mentioning members."""
    if not isinstance(text, str) or not text.strip():
        raise DomainError(_("Type a message first."), code="empty")
    if len(text) > MAX_TEXT:
        raise DomainError(_("A message can be at most %(n)s characters.") % {"n": MAX_TEXT}, code="too_long")
    if mentions is not None and not isinstance(mentions, list):
        raise DomainError(_("That request could not be read."), code="malformed")
    return _send(
        sender=sender,
        conversation=conversation,
        kind=Message.TEXT,
        text=text,
        client_id=client_id,
        reply_to_id=reply_to_id,
        mentions=mentions,
    )


def message_send_sticker(
    *, sender: User, conversation: Conversation, name: str, client_id: str | None = None
) -> Message:
    """Post one of the built-in stickers."""
    if name not in STICKERS:
        raise DomainError(_("That sticker doesn't exist."), code="invalid")
    return _send(
        sender=sender,
        conversation=conversation,
        kind=Message.STICKER,
        payload={"name": name},
        client_id=client_id,
    )


def message_send_image(
    *, sender: User, conversation: Conversation, upload, client_id: str | None = None
) -> Message:
    """Post a photo: validated and re-encoded like avatars, with a thumbnail for the thread."""
    existing = _existing(sender, _clean_client_id(client_id))
    if existing is not None:
        return existing
    selectors.access_conversation(user=sender, pk=conversation.pk)
    _check_rate(sender)
    full = images.process_image(upload, max_side=1600)
    thumb = images.process_image(upload, max_side=360)
    from PIL import Image

    with Image.open(thumb) as im:
        width, height = im.size
    thumb.seek(0)
    full_name = default_storage.save(f"chat/{full.name}", full)
    thumb_name = default_storage.save(f"chat/t_{thumb.name}", thumb)
    payload = {
        "full": default_storage.url(full_name),
        "thumb": default_storage.url(thumb_name),
        "w": width,
        "h": height,
    }
    return _send(
        sender=sender,
        conversation=conversation,
        kind=Message.IMAGE,
        payload=payload,
        client_id=client_id,
        rate_limited=False,
    )


def message_post_card(
    *, sender: User, conversation: Conversation, kind: str, payload: dict, client_id: str | None = None
) -> Message:
    """Post a card registered in apps.chat.cards (red packet, transfer, ...) as `sender`."""
    if not cards.is_card(kind):
        raise ValueError(f"{kind!r} is not a registered card kind")
    if not isinstance(payload, dict):
        raise ValueError("A card's payload is a dict")
    return _send(
        sender=sender,
        conversation=conversation,
        kind=kind,
        payload=payload,
        client_id=client_id,
        rate_limited=False,
    )


def message_card_update(*, message: Message, payload: dict) -> Message:
    """Replace a card's payload, re-render it once and show the new state on every member's screen."""
    if not cards.is_card(message.kind):
        raise ValueError("Only cards can be updated")
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(payload=payload, version=F("version") + 1)
        message.refresh_from_db(fields=["payload", "version"])
        message.conversation = Conversation.objects.get(pk=message.conversation_id)
        _publish(message, "chat.message_updated")
    return message


def message_post_system(
    *,
    conversation: Conversation,
    text: str = "",
    event: str = "",
    params: dict | None = None,
    client_id: str | None = None,
) -> Message:
    """Post a grey system line: a known `event` with `params` (translated per reader) or plain `text`."""
    payload = {"event": event, "params": params or {}} if event else {}
    with transaction.atomic():
        conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
        from apps.chat.texts import system_text

        stored_text = text or system_text(payload, "")
        return _store(
            conv=conv,
            sender=None,
            kind=Message.SYSTEM,
            text=stored_text,
            payload=payload,
            client_id=client_id,
        )


def message_pat(
    *, actor: User, conversation: Conversation, target_id, client_id: str | None = None
) -> Message:
    """Pat-pat: post "A patted B" with B's own suffix (double-tap on B's avatar)."""
    target_membership = (
        Membership.objects.filter(conversation=conversation, user_id=_int(target_id), active=True)
        .select_related("user")
        .first()
    )
    if target_membership is None:
        raise NotFound()
    target = target_membership.user
    profile = ChatProfile.objects.filter(user=target).first()
    payload = {
        "target": target.pk,
        "target_name": str(target),
        "suffix": profile.pat_suffix if profile else "",
    }
    return _send(
        sender=actor, conversation=conversation, kind=Message.PAT, payload=payload, client_id=client_id
    )


# --- Changing messages ------------------------------------------------------------------------------------


def _own_message(actor: User, message_id) -> Message:
    message = (
        Message.objects.select_related("conversation", "sender")
        .filter(pk=_int(message_id), sender=actor)
        .first()
    )
    if (
        message is None
        or not Membership.objects.filter(
            conversation_id=message.conversation_id, user=actor, active=True
        ).exists()
    ):
        raise NotFound()
    return message


def message_recall(*, actor: User, message_id) -> Message:
    """Recall your own message within 2 minutes; everyone sees "X recalled a message" in its place."""
    with transaction.atomic():
        message = _own_message(actor, message_id)
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("conversation", "sender")
            .get(pk=message.pk)
        )
        if message.recalled:
            return message
        if message.kind not in RECALLABLE:
            raise DomainError(_("This message can't be recalled."), code="forbidden")
        if clock.now() - message.created_at > RECALL_WINDOW:
            raise DomainError(_("Messages can only be recalled within 2 minutes."), code="too_late")
        message.recalled_at = clock.now()
        message.version += 1
        message.save(update_fields=["recalled_at", "version"])
        _publish(message, "chat.message_updated")
        if message.kind == Message.IMAGE:
            transaction.on_commit(lambda: _remove_recalled_image(message.payload))
    return message


def _remove_recalled_image(payload: dict) -> None:
    """Delete a recalled photo's files, unless a forwarded copy (same files, not recalled) still shows them."""
    for url in (payload.get("full"), payload.get("thumb")):
        if not url or selectors.image_in_use(url):
            continue
        name = selectors.media_name(url)
        if name and default_storage.exists(name):
            default_storage.delete(name)


def message_recalled_text(*, actor: User, message_id) -> str:
    """The text of your own recalled message, for "Re-edit" within 5 minutes of recalling it."""
    message = _own_message(actor, message_id)
    if not message.recalled or message.kind != Message.TEXT:
        raise NotFound()
    if clock.now() - message.recalled_at > REEDIT_WINDOW:
        raise DomainError(_("A recalled message can only be re-edited within 5 minutes."), code="too_late")
    return message.text


def message_hide(*, actor: User, message_id) -> None:
    """Delete a message for yourself only."""
    message = Message.objects.filter(pk=_int(message_id)).first()
    if message is None:
        raise NotFound()
    selectors.access_membership(user=actor, pk=message.conversation_id, include_inactive=True)
    HiddenMessage.objects.get_or_create(user=actor, message=message)
    publish(
        user_ids=[actor.pk],
        type="chat.hidden",
        data={"conversation": message.conversation_id, "id": message.pk},
    )


def message_forward(*, actor: User, message_id, to: Iterable) -> list[Message]:
    """Forward a text, photo or sticker to other chats of yours."""
    original = Message.objects.filter(pk=_int(message_id)).first()
    if original is None:
        raise NotFound()
    membership = selectors.access_membership(user=actor, pk=original.conversation_id, include_inactive=True)
    if not selectors.visible_messages(membership).filter(pk=original.pk).exists():
        raise NotFound()
    card = cards.get(original.kind)
    if original.recalled or (original.kind not in FORWARDABLE and not (card and card.forwardable)):
        raise DomainError(_("This message can't be forwarded."), code="forbidden")
    targets = list(dict.fromkeys(_int(t) for t in to))[:9]
    if not targets:
        raise DomainError(_("Choose a chat to forward to."), code="invalid")
    sent = []
    for pk in targets:
        conversation = selectors.access_conversation(user=actor, pk=pk)
        sent.append(
            _send(
                sender=actor,
                conversation=conversation,
                kind=original.kind,
                text=original.text,
                payload=original.payload,
            )
        )
    return sent


# --- Reading, typing -----------------------------------------------------------------------------------


def conversation_read(*, actor: User, conversation_id, seq) -> int:
    """Mark the chat read up to `seq`; members see it unless the reader turned read receipts off."""
    membership = selectors.access_membership(user=actor, pk=conversation_id)
    conv = membership.conversation
    seq = min(_int(seq), conv.last_seq)
    with transaction.atomic():
        updated = Membership.objects.filter(pk=membership.pk, last_read_seq__lt=seq).update(last_read_seq=seq)
        if updated:
            recipients = selectors.member_ids(conv) if actor.send_read_receipts else [actor.pk]
            publish(
                user_ids=recipients,
                type="chat.read",
                data={"conversation": conv.pk, "user": actor.pk, "seq": seq},
            )
            from apps.core import badges

            badges.publish_for(actor)
    return seq


def conversation_typing(*, actor: User, conversation_id) -> None:
    """Tell the other person in a 1:1 chat that you are typing (not stored)."""
    membership = selectors.access_membership(user=actor, pk=conversation_id)
    conv = membership.conversation
    if conv.is_group:
        return
    if not ratelimit.hit(f"chat.typing:{actor.pk}", limit=20, window=10).allowed:
        return
    others = [uid for uid in selectors.member_ids(conv) if uid != actor.pk]
    publish(user_ids=others, type="chat.typing", data={"conversation": conv.pk, "user": actor.pk})


# --- Conversations --------------------------------------------------------------------------------------


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


def _names(users: Iterable[User]) -> list[str]:
    return [str(u) for u in users]


def _friends_only(actor: User, user_ids) -> list[User]:
    ids = {_int(u) for u in user_ids} - {actor.pk}
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
    name = (name or "").strip()[:40] or "、".join(_names([actor, *people][:4]))[:40]
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
            conversation=conv, event="invited", params={"actor": str(actor), "names": _names(people)}
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
    return _join(conv, people, actor=actor, event="invited", limit=MAX_GROUP_MEMBERS)


def _join(conv: Conversation, people: list[User], *, actor: User, event: str, limit: int) -> list[User]:
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
            conversation=conv, event=event, params={"actor": str(actor), "names": _names(new)}
        )
        _publish_conversation(conv)
    return new


def group_remove_member(*, actor: User, conversation: Conversation, user_id) -> None:
    """Remove a member (owner: anyone; admins: ordinary members). They keep the history up to here."""
    membership = _admin_membership(actor, conversation)
    conv = membership.conversation
    target = (
        Membership.objects.filter(conversation=conv, user_id=_int(user_id), active=True)
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
        Membership.objects.filter(conversation=membership.conversation, user_id=_int(user_id), active=True)
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
        from apps.core import badges

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
    from apps.core import badges

    badges.publish_for(actor)


def invite_token(*, actor: User, conversation: Conversation) -> str:
    """A signed invite for the group's QR code (valid 7 days)."""
    membership = selectors.access_membership(user=actor, pk=conversation.pk)
    if not membership.conversation.is_group:
        raise NotFound()
    return tokens.sign(
        "chat.invite", {"c": conversation.pk, "v": membership.conversation.invite_version, "by": actor.pk}
    )


def invite_read(token: str) -> tuple[Conversation, User]:
    """The group and inviter behind an invite token, or InvalidToken / NotFound."""
    body = tokens.unsign("chat.invite", token, max_age=INVITE_MAX_AGE)
    conv = Conversation.objects.filter(pk=body.get("c"), kind=Conversation.Kind.GROUP).first()
    inviter = User.objects.filter(pk=body.get("by"), is_active=True).first()
    if conv is None or inviter is None or conv.invite_version != body.get("v"):
        raise tokens.InvalidToken(_("This code is not valid."))
    if not Membership.objects.filter(conversation=conv, user=inviter, active=True).exists():
        raise tokens.InvalidToken(_("This code is no longer valid."))
    return conv, inviter


def group_join_by_code(*, actor: User, token: str) -> Conversation:
    """Join a group by its QR code (refused above 200 members, as in WeChat)."""
    conv, inviter = invite_read(token)
    _join(conv, [actor], actor=inviter, event="joined_by_code", limit=MAX_JOIN_BY_CODE)
    return conv


def chat_profile_update(*, actor: User, pat_suffix: str) -> ChatProfile:
    """Set what others' pats end with ("patted Li Wei's shoulder")."""
    pat_suffix = (pat_suffix or "").strip()[:20]
    profile, _created = ChatProfile.objects.get_or_create(user=actor)
    profile.pat_suffix = pat_suffix
    profile.save(update_fields=["pat_suffix"])
    return profile
