"""Changing sent messages: recall (and re-edit), delete for yourself, forward."""

from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.chat import cards, selectors
from apps.chat.models import HiddenMessage, Membership, Message
from apps.chat.windows import recall_until, reedit_until
from apps.core import clock
from apps.core.errors import DomainError, NotFound
from apps.core.events import publish

from .sending import parse_id, publish_message, send_message

FORWARDABLE = {Message.TEXT, Message.IMAGE, Message.STICKER}


def _own_message(actor: User, message_id) -> Message:
    message = (
        Message.objects.select_related("conversation", "sender")
        .filter(pk=parse_id(message_id), sender=actor)
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
        until = recall_until(message)
        if until is None:
            raise DomainError(_("This message can't be recalled."), code="forbidden")
        if clock.now() > until:
            raise DomainError(_("Messages can only be recalled within 2 minutes."), code="too_late")
        message.recalled_at = clock.now()
        message.version += 1
        message.save(update_fields=["recalled_at", "version"])
        publish_message(message, "chat.message_updated")
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
    until = reedit_until(message)
    if until is None:
        raise NotFound()
    if clock.now() > until:
        raise DomainError(_("A recalled message can only be re-edited within 5 minutes."), code="too_late")
    return message.text


def message_hide(*, actor: User, message_id) -> None:
    """Delete a message for yourself only."""
    message = Message.objects.filter(pk=parse_id(message_id)).first()
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
    original = Message.objects.filter(pk=parse_id(message_id)).first()
    if original is None:
        raise NotFound()
    membership = selectors.access_membership(user=actor, pk=original.conversation_id, include_inactive=True)
    if not selectors.visible_messages(membership).filter(pk=original.pk).exists():
        raise NotFound()
    card = cards.get(original.kind)
    if original.recalled or (original.kind not in FORWARDABLE and not (card and card.forwardable)):
        raise DomainError(_("This message can't be forwarded."), code="forbidden")
    targets = list(dict.fromkeys(parse_id(t) for t in to))[:9]
    if not targets:
        raise DomainError(_("Choose a chat to forward to."), code="invalid")
    sent = []
    for pk in targets:
        conversation = selectors.access_conversation(user=actor, pk=pk)
        sent.append(
            send_message(
                sender=actor,
                conversation=conversation,
                kind=original.kind,
                text=original.text,
                payload=original.payload,
            )
        )
    return sent
