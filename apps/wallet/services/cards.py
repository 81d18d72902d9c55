"""Transfers and red packets hold money for 24 hours and show as cards in a chat (apps.chat.cards).

The wallet depends on chat, never the other way: it posts and changes its cards through chat's public
services, and chat knows a card only by the kind the wallet registered (apps.wallet.apps).
"""

from datetime import timedelta

from apps.accounts.models import User
from apps.chat import services as chat

HOLD_FOR = timedelta(hours=24)


def card_post(obj, *, sender: User, conversation, kind: str, payload: dict) -> None:
    """Post `obj`'s card (a transfer or red packet) in the chat and remember its message."""
    message = chat.message_post_card(sender=sender, conversation=conversation, kind=kind, payload=payload)
    type(obj).objects.filter(pk=obj.pk).update(message_id=message.pk)
    obj.message_id = message.pk


def card_update(obj, changes: dict) -> None:
    """Show the new state on the object's chat card, live on every member's screen."""
    if obj.message_id:
        chat.message_card_change(message_id=obj.message_id, changes=changes)
