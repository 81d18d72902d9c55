"""Notices: grey lines that only their reader sees ("Li Wei opened your red packet").

They take no seq, so the other members, unread counts and the chat list never hear of them.
"""

from apps.chat import selectors
from apps.chat.models import Conversation, Notice
from apps.chat.texts import NOTICE_TEXTS
from apps.core import clock
from apps.core.events import publish


def notice_post(*, conversation: Conversation, lines: dict[int, list[tuple[str, dict]]]) -> list[Notice]:
    """Store each reader's lines (in the caller's transaction) right after the chat's newest message,
    and tell each reader about their own lines only."""
    for reader_lines in lines.values():
        for event, _params in reader_lines:
            if event not in NOTICE_TEXTS:
                raise ValueError(f"Unknown notice {event!r}")  # a programming error, not a user's
    now = clock.now()
    after_seq = Conversation.objects.values_list("last_seq", flat=True).get(pk=conversation.pk)
    notices = [
        Notice(
            conversation_id=conversation.pk,
            user_id=user_id,
            after_seq=after_seq,
            payload={"event": event, "params": params},
            created_at=now,
        )
        for user_id, reader_lines in lines.items()
        for event, params in reader_lines
    ]
    Notice.objects.bulk_create(notices)  # one statement: all or none, with no savepoint of its own
    for notice in notices:
        publish(user_ids=[notice.user_id], type="chat.notice", data=selectors.notice_data(notice))
    return notices
