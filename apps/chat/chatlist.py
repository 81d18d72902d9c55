"""The Chats tab: every chat of a person with its title, avatar, last message and unread count.

It is the most requested page (chat.js refetches it on every new message), so it reads plain rows in two
SQL statements (a chat with its newest message and sender; the faces of its avatar), each person with the
remark the viewer gave them and their V, and builds no model instances: through the ORM the same reads
cost several times the page.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.files.storage import default_storage
from django.db import connection
from django.utils.translation import gettext as _

from apps.accounts.models import Friendship, User
from apps.chat.models import Conversation, Membership, Message
from apps.chat.selectors import preview_of

LIST_LIMIT = 300  # chats in the list

M, C, MSG, U, F = (
    Membership._meta.db_table,
    Conversation._meta.db_table,
    Message._meta.db_table,
    User._meta.db_table,
    Friendship._meta.db_table,
)

# A removed member sees the group's last message before they left; everyone else the chat's newest.
# Two values are read as text: the chat's time (Django's PostgreSQL loader for a timestamp parses it in Python,
# 4 µs each, half the statement's cost in the worker; datetime.fromisoformat does it in C) and the message's
# payload (parsed only if its preview needs it: most previews are plain text).
CHATS_SQL = f"""
SELECT mb.conversation_id, c.kind, c.name, c.last_seq, CAST(COALESCE(c.last_message_at, c.created_at) AS TEXT),
       mb.active, mb.pinned, mb.muted, mb.last_read_seq, mb.mention_seq, mb.cleared_before_seq,
       m.seq, m.kind, m.text, CAST(m.payload AS TEXT), m.sender_id, m.recalled_at IS NOT NULL,
       s.username, s.display_name, s.avatar, s.verified, sr.remark
FROM {M} mb
JOIN {C} c ON c.id = mb.conversation_id
LEFT JOIN {MSG} m ON m.conversation_id = mb.conversation_id
     AND m.seq = CASE WHEN mb.active THEN c.last_seq ELSE COALESCE(mb.left_seq, 0) END
LEFT JOIN {U} s ON s.id = m.sender_id
LEFT JOIN {F} sr ON sr.owner_id = mb.user_id AND sr.friend_id = m.sender_id
WHERE mb.user_id = %s AND mb.hidden = %s AND (mb.active = %s OR c.kind = %s)
ORDER BY mb.pinned DESC, c.last_message_at DESC NULLS LAST, mb.conversation_id DESC
LIMIT %s
"""  # noqa: S608 - the table names come from the models; every value is a parameter

# The other person of each 1:1 chat, and the first four members of each group (its avatar grid), each
# with the remark the viewer gave them.
FACES_SQL = f"""
SELECT conversation_id, user_id, username, display_name, avatar, verified, remark FROM (
    SELECT mb.conversation_id, mb.user_id, u.username, u.display_name, u.avatar, u.verified, r.remark,
           ROW_NUMBER() OVER (PARTITION BY mb.conversation_id ORDER BY mb.id) AS n
    FROM {M} mb
    JOIN {C} c ON c.id = mb.conversation_id
    JOIN {U} u ON u.id = mb.user_id
    LEFT JOIN {F} r ON r.owner_id = %s AND r.friend_id = mb.user_id
    WHERE mb.conversation_id IN ({{ids}})
      AND CASE WHEN c.kind = %s THEN mb.user_id <> %s ELSE mb.active = %s END
) ranked
WHERE n <= 4
"""  # noqa: S608 - as above


class _File(str):
    """A stored file's name that knows its URL, as an ImageField's file does."""

    @property
    def url(self) -> str:
        return default_storage.url(self)


class Face:
    """What an avatar and a name need of a person: their names and picture (User's own rules name them),
    their V (User.verified), and the remark the viewer gave them (only ever read for the viewer: the SQL
    joins the viewer's contacts)."""

    __slots__ = ("avatar", "display_name", "pk", "remark", "username", "verified")

    def __init__(
        self, pk: int, username: str, display_name: str, avatar: str, verified: str, remark: str | None
    ):
        self.pk, self.username, self.display_name = pk, username, display_name
        self.avatar = _File(avatar) if avatar else ""
        self.verified = verified
        self.remark = remark

    __str__ = User.__str__
    initials = User.initials
    avatar_colour = User.avatar_colour


class _Last:
    """The fields of a chat's newest message that its one-line preview needs."""

    __slots__ = ("_payload", "kind", "recalled", "sender_id", "text")

    def __init__(self, kind, text, payload, sender_id, recalled):
        self.kind, self.text, self.sender_id = kind, text, sender_id
        self._payload = payload
        self.recalled = bool(recalled)

    @property
    def payload(self) -> dict:
        """Parsed when a preview reads it (pats, system lines, cards): most previews are plain text."""
        if not isinstance(self._payload, dict):
            self._payload = json.loads(self._payload or "{}")
        return self._payload


@dataclass
class ChatRow:
    conversation_id: int
    is_group: bool
    active: bool
    pinned: bool
    muted: bool
    title: str
    preview: str
    unread: int
    mentioned: bool
    other: Face | None
    last_at: object
    faces: list = field(default_factory=list)


def _aware(value: str) -> datetime:
    """A time read as text (ISO 8601: PostgreSQL's with its offset, SQLite's in UTC without) as an aware one."""
    value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _sender(sender_id, columns) -> Face | None:
    return Face(sender_id, *columns) if sender_id is not None else None


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def chat_list(user: User) -> list[ChatRow]:
    """The person's chats, pinned first then by last activity, with previews and unread counts."""
    viewer_id = user.pk  # once: request.user is a lazy proxy, and every attribute read through it costs
    chats = _fetch(CHATS_SQL, [viewer_id, False, True, Conversation.Kind.GROUP, LIST_LIMIT])
    if not chats:
        return []
    ids = [c[0] for c in chats]
    people: dict[int, list[Face]] = {}
    for conversation_id, *person in _fetch(
        FACES_SQL.format(ids=", ".join(["%s"] * len(ids))),
        [viewer_id, *ids, Conversation.Kind.DIRECT, viewer_id, True],
    ):
        people.setdefault(conversation_id, []).append(Face(*person))

    GROUP, PAT, SYSTEM, you = Conversation.Kind.GROUP, Message.PAT, Message.SYSTEM, _("You")

    def name(person: Face | None) -> str:
        if person is None or person.pk == viewer_id:
            return ""
        return person.remark or str(person)

    rows = []
    for (
        cid, kind, title, last_seq, last_at, active, pinned, muted, read, mention, cleared,
        seq, msg_kind, text, payload, sender_id, recalled, *sender,
    ) in chats:  # fmt: skip
        is_group = kind == GROUP
        faces = people.get(cid, [])
        other = None
        if not is_group:
            for face in faces:
                if face.pk != viewer_id:
                    other = face
                    break
            title = name(other)
        message, sender_name = None, ""
        if seq is not None and seq > cleared:
            message = _Last(msg_kind, text, payload, sender_id, recalled)
            if recalled or msg_kind == PAT:
                sender_name = you if sender_id == viewer_id else name(_sender(sender_id, sender))
            elif is_group and msg_kind != SYSTEM:
                sender_name = name(_sender(sender_id, sender))
        rows.append(
            ChatRow(
                conversation_id=cid,
                is_group=is_group,
                active=bool(active),
                pinned=bool(pinned),
                muted=bool(muted),
                title=title,
                preview=preview_of(message, sender_name=sender_name, viewer_id=viewer_id),
                unread=max(0, last_seq - read) if active else 0,
                mentioned=bool(active) and mention > read,
                other=other,
                last_at=_aware(last_at),
                faces=faces if is_group else [],
            )
        )
    return rows


def unread_in(rows: list[ChatRow]) -> int | None:
    """The Chats tab's badge from a whole chat list (as unread_total counts it); None if the list was cut."""
    if len(rows) >= LIST_LIMIT:
        return None
    return sum(row.unread for row in rows if not row.muted)
