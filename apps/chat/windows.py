"""How long a sent message can still be changed: the one rule, asked by the services that enforce it and by
`selectors.message_data`, which tells every client until when to offer the action."""

from datetime import datetime, timedelta

from apps.chat.models import Message

RECALL_WINDOW = timedelta(minutes=2)
REEDIT_WINDOW = timedelta(minutes=5)
RECALLABLE = {Message.TEXT, Message.IMAGE, Message.STICKER, Message.PAT}


def recall_until(message: Message) -> datetime | None:
    """Until when its sender may recall `message` (a pat: withdraw it); None if it can't be recalled."""
    if message.recalled or message.kind not in RECALLABLE:
        return None
    return message.created_at + RECALL_WINDOW


def reedit_until(message: Message) -> datetime | None:
    """Until when its sender may take a recalled text back into the input box; None if it can't be."""
    if not message.recalled or message.kind != Message.TEXT:
        return None
    return message.recalled_at + REEDIT_WINDOW
