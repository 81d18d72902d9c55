"""Sending: lock the conversation, store with the next seq, then publish.

The ack the sender gets is the stored message (id + seq); a retry with the same client id returns the
same message without storing another. Events leave after the commit (apps.core.events), rendered once
per message for every member; the database stays the truth and clients re-sync by sequence.
"""

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from apps.accounts.models import User
from apps.accounts.selectors import are_friends, is_blocked_between
from apps.chat import cards, selectors
from apps.chat.models import MAX_TEXT, ChatProfile, Conversation, Membership, Message
from apps.chat.stickers import STICKERS
from apps.chat.texts import system_text
from apps.core import clock, images, ratelimit
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.core.events import publish

SEND_LIMIT, SEND_WINDOW = 20, 10  # per person


def _check_send_rate(user: User) -> None:
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


def _earlier_send(sender: User | None, client_id: str | None) -> Message | None:
    """The message an earlier try of this send stored (the client retries with the same id)."""
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
        # A stranger chat ("s" key: the demo's seeded ones) or a drift bottle's chat needs no friendship.
        if not conv.direct_key.startswith("s") and not conv.bottle and not are_friends(sender, other.user):
            raise DomainError(
                _("%(name)s is not your friend (or removed you). Add them as a friend first.")
                % {"name": other.user},
                code="not_friends",
            )
    return conv, membership


def _store_next(
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
    publish_message(message, "chat.message")
    return message


def publish_message(message: Message, event_type: str) -> None:
    """Send the message to every active member (rendered once, here, for all of them)."""
    publish(
        user_ids=selectors.member_ids(message.conversation),
        type=event_type,
        data={"conversation": message.conversation_id, "message": selectors.message_data(message)},
    )


def send_message(
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
    existing = _earlier_send(sender, client_id)
    if existing is not None:
        return existing  # a retry: the same ack, nothing stored twice, nothing published twice
    if rate_limited:
        _check_send_rate(sender)
    try:
        with transaction.atomic():
            conv, membership = _lock_membership(sender, conversation)
            reply_to = None
            if reply_to_id:
                reply_to = selectors.visible_messages(membership).filter(pk=parse_id(reply_to_id)).first()
                if reply_to is None:
                    raise NotFound(_("The quoted message is no longer available."))
            clean_mentions = _clean_mentions(membership, mentions) if conv.is_group else []
            message = _store_next(
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
        existing = _earlier_send(sender, client_id)
        if existing is None:
            raise
        return existing


def parse_id(value) -> int:
    """A database id from a request, or NotFound (the same answer as for a foreign id)."""
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
    wanted = {parse_id(m) for m in mentions}
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
    return send_message(
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
    return send_message(
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
    existing = _earlier_send(sender, _clean_client_id(client_id))
    if existing is not None:
        return existing
    selectors.access_conversation(user=sender, pk=conversation.pk)
    _check_send_rate(sender)
    full = images.process_image(upload, max_side=1600)
    thumb = images.process_image(upload, max_side=360)
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
    return send_message(
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
    return send_message(
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
        publish_message(message, "chat.message_updated")
    return message


def message_card_change(*, message_id: int, changes: dict) -> Message | None:
    """Merge `changes` into card `message_id`'s payload and show it to every member; None if it is gone."""
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return None
    return message_card_update(message=message, payload={**message.payload, **changes})


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
        stored_text = text or system_text(payload, "")
        return _store_next(
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
        Membership.objects.filter(conversation=conversation, user_id=parse_id(target_id), active=True)
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
    return send_message(
        sender=actor, conversation=conversation, kind=Message.PAT, payload=payload, client_id=client_id
    )
