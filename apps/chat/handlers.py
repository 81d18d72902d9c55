"""Websocket requests for chats (see apps.core.realtime): send, sync, read, typing, recall, ..."""

from django.utils.translation import gettext as _

from apps.chat import chatlist, presence, selectors, services
from apps.chat.models import Conversation
from apps.core import realtime
from apps.core.errors import DomainError, NotFound


def _conversation(user, data) -> Conversation:
    return selectors.access_conversation(user=user, pk=realtime.object_id(data.get("conversation")))


def _optional_id(value) -> int | None:
    return None if value in (None, "", 0) else realtime.object_id(value)


def _mentions(value):
    if not isinstance(value, list):
        return value  # None, or something the service refuses as unreadable
    return [m if m == "all" else realtime.object_id(m) for m in value]


def _ack(message) -> dict:
    return {
        "id": message.pk,
        "seq": message.seq,
        "conversation": message.conversation_id,
        "client_id": message.client_id or "",
    }


@realtime.on("chat.send")
def send(*, user, data):
    """Post a message: text (with reply_to / mentions) or a sticker. The ack carries id and seq."""
    conversation = _conversation(user, data)
    kind = data.get("kind", "text")
    if kind == "text":
        message = services.message_send(
            sender=user,
            conversation=conversation,
            text=data.get("text"),
            client_id=data.get("client_id"),
            reply_to_id=_optional_id(data.get("reply_to")),
            mentions=_mentions(data.get("mentions")),
        )
    elif kind == "sticker":
        message = services.message_send_sticker(
            sender=user,
            conversation=conversation,
            name=str(data.get("name", "")),
            client_id=data.get("client_id"),
        )
    elif kind == "pat":
        message = services.message_pat(
            actor=user,
            conversation=conversation,
            target_id=realtime.object_id(data.get("target")),
            client_id=data.get("client_id"),
        )
    else:
        raise DomainError(_("That request could not be read."), code="malformed")
    return _ack(message)


@realtime.on("chat.sync")
def sync(*, user, data):
    """Messages after `after` (the client's last seq) or before `before`, up to 200 at a time."""
    membership = selectors.access_membership(
        user=user, pk=realtime.object_id(data.get("conversation")), include_inactive=True
    )
    after, before = data.get("after"), data.get("before")
    after = realtime.sequence_number(after) if after is not None else None
    before = realtime.sequence_number(before) if before is not None else None
    limit = realtime.sequence_number(data.get("limit", 200))
    messages = selectors.history(membership, after=after, before=before, limit=limit)
    return {
        "conversation": membership.conversation_id,
        "messages": [selectors.message_data(m) for m in messages],
        "notices": selectors.notices_for(membership, messages, after=after, before=before, limit=limit),
        "last_seq": membership.conversation.last_seq if membership.active else membership.left_seq,
    }


@realtime.on("chat.read")
def read(*, user, data):
    return {
        "seq": services.conversation_read(
            actor=user,
            conversation_id=realtime.object_id(data.get("conversation")),
            seq=realtime.sequence_number(data.get("seq")),
        )
    }


@realtime.on("chat.typing")
def typing(*, user, data):
    services.conversation_typing(actor=user, conversation_id=realtime.object_id(data.get("conversation")))
    return {}


@realtime.on("chat.recall")
def recall(*, user, data):
    message = services.message_recall(actor=user, message_id=realtime.object_id(data.get("id")))
    return _ack(message)


@realtime.on("chat.reedit")
def reedit(*, user, data):
    return {"text": services.message_recalled_text(actor=user, message_id=realtime.object_id(data.get("id")))}


@realtime.on("chat.hide")
def hide(*, user, data):
    services.message_hide(actor=user, message_id=realtime.object_id(data.get("id")))
    return {}


@realtime.on("chat.forward")
def forward(*, user, data):
    to = data.get("to")
    if not isinstance(to, list):
        raise DomainError(_("Choose a chat to forward to."), code="invalid")
    sent = services.message_forward(
        actor=user, message_id=realtime.object_id(data.get("id")), to=[realtime.object_id(t) for t in to]
    )
    return {"sent": [_ack(m) for m in sent]}


@realtime.on("chat.badge")
def badge(*, user, data):
    return {"chats": selectors.unread_total(user)}


@realtime.on("chat.targets")
def targets(*, user, data):
    """The person's recent chats, to forward a message to."""
    rows = [r for r in chatlist.chat_list(user) if r.active][:30]
    return {"chats": [{"id": r.conversation_id, "title": r.title} for r in rows]}


@realtime.on("chat.presence")
def presence_of(*, user, data):
    """Online now or last seen, for the other person of a 1:1 chat."""
    membership = selectors.access_membership(user=user, pk=realtime.object_id(data.get("conversation")))
    if membership.conversation.is_group:
        raise NotFound()
    other_id = next((uid for uid in selectors.member_ids(membership.conversation) if uid != user.pk), None)
    if other_id is None:
        raise NotFound()
    return presence.status(other_id)


realtime.on_connect(presence.connected)
realtime.on_disconnect(presence.disconnected)
