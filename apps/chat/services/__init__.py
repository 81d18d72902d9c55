"""Every change to chats, one module per domain; callers use `from apps.chat import services`.

- `sending`: text, stickers, photos, pats, cards and grey system lines (the sequence and the send limit)
- `changes`: recall and re-edit, delete for yourself, forward
- `notices`: grey lines for one reader only (a red packet opened)
- `reading`: read receipts and "typing..."
- `conversations`: the 1:1 chat, groups and their roles, a chat's settings (invites: apps.chat.invites)
"""

from apps.chat.models import MAX_GROUP_MEMBERS, MAX_JOIN_BY_CODE, MAX_TEXT
from apps.chat.windows import RECALL_WINDOW, RECALLABLE, REEDIT_WINDOW

from .changes import (
    FORWARDABLE,
    message_forward,
    message_hide,
    message_recall,
    message_recalled_text,
)
from .conversations import (
    chat_profile_update,
    conversation_befriend_other,
    conversation_block_other,
    conversation_bottle_open,
    conversation_clear,
    conversation_direct_get_or_create,
    conversation_end,
    conversation_hide,
    group_add_members,
    group_create,
    group_join_invited,
    group_leave,
    group_remove_member,
    group_rename,
    group_set_admin,
    group_set_announcement,
    membership_update,
)
from .notices import notice_post
from .reading import conversation_read, conversation_typing
from .sending import (
    SEND_LIMIT,
    SEND_WINDOW,
    message_card_change,
    message_card_update,
    message_pat,
    message_post_card,
    message_post_system,
    message_send,
    message_send_image,
    message_send_sticker,
)

__all__ = [
    "FORWARDABLE",
    "MAX_GROUP_MEMBERS",
    "MAX_JOIN_BY_CODE",
    "MAX_TEXT",
    "RECALLABLE",
    "RECALL_WINDOW",
    "REEDIT_WINDOW",
    "SEND_LIMIT",
    "SEND_WINDOW",
    "chat_profile_update",
    "conversation_befriend_other",
    "conversation_block_other",
    "conversation_bottle_open",
    "conversation_clear",
    "conversation_direct_get_or_create",
    "conversation_end",
    "conversation_hide",
    "conversation_read",
    "conversation_typing",
    "group_add_members",
    "group_create",
    "group_join_invited",
    "group_leave",
    "group_remove_member",
    "group_rename",
    "group_set_admin",
    "group_set_announcement",
    "membership_update",
    "message_card_change",
    "message_card_update",
    "message_forward",
    "message_hide",
    "message_pat",
    "message_post_card",
    "message_post_system",
    "message_recall",
    "message_recalled_text",
    "message_send",
    "message_send_image",
    "message_send_sticker",
    "notice_post",
]
