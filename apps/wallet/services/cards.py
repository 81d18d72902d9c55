"""Transfers and red packets hold money for 24 hours and show as cards in a chat (apps.chat.cards)."""

from datetime import timedelta

from apps.accounts.models import User
from apps.chat import services as chat
from apps.chat.models import Message

HOLD_FOR = timedelta(hours=24)


def card_post(obj, *, sender: User, conversation, kind: str, payload: dict) -> None:
    """Post `obj`'s card (a transfer or red packet) in the chat and remember its message."""
    message = chat.message_post_card(sender=sender, conversation=conversation, kind=kind, payload=payload)
    type(obj).objects.filter(pk=obj.pk).update(message_id=message.pk)
    obj.message_id = message.pk


def card_update(kind: str, obj, payload: dict) -> None:
    """Show the new state on the object's chat card, live on every member's screen."""
    if not obj.message_id:
        return
    message = Message.objects.filter(pk=obj.message_id).first()
    if message is not None:
        chat.message_card_update(message=message, payload={**message.payload, **payload})
