"""Reads about conversations and messages. `access_conversation` fetches and authorises in one step."""

from urllib.parse import unquote

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.templatetags.static import static
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.selectors import are_friends, remarks_of
from apps.chat import cards
from apps.chat.models import Conversation, HiddenMessage, Membership, Message, Notice
from apps.chat.stickers import STICKERS
from apps.chat.texts import NOTICE_TEXTS, system_text
from apps.chat.windows import recall_until, reedit_until
from apps.core import badges
from apps.core.errors import NotFound

PAGE_SIZE = 50


def access_membership(*, user: User, pk, include_inactive: bool = False) -> Membership:
    """The person's membership of conversation `pk` (with the conversation); NotFound if not theirs."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = Membership.objects.select_related("conversation").filter(conversation_id=pk, user=user)
    if not include_inactive:
        qs = qs.filter(active=True)
    membership = qs.first()
    if membership is None or not user.is_authenticated:
        raise NotFound()
    return membership


def access_conversation(*, user: User, pk) -> Conversation:
    """Conversation `pk` if `user` is an active member; the same NotFound for missing and not-yours."""
    return access_membership(user=user, pk=pk).conversation


def member_ids(conversation: Conversation) -> list[int]:
    """Everyone who currently receives the conversation's messages."""
    return list(
        Membership.objects.filter(conversation=conversation, active=True).values_list("user_id", flat=True)
    )


# The Chats tab's badge: unread messages across the person's chats, muted and hidden ones excepted. The tab bar
# reads it with the other tabs' counts in one statement (apps.core.badges).
UNREAD_MESSAGES = badges.SQLCount(
    f"SELECT SUM(c.last_seq - mb.last_read_seq) FROM {Membership._meta.db_table} mb "  # noqa: S608 - model names
    f"JOIN {Conversation._meta.db_table} c ON c.id = mb.conversation_id "
    "WHERE mb.user_id = %s AND mb.active = %s AND mb.muted = %s AND mb.hidden = %s",
    params=lambda user: [user.pk, True, False, False],
)


def unread_total(user: User) -> int:
    """Unread messages across the person's chats, muted ones excepted (the Chats tab badge)."""
    if not user.is_authenticated:
        return 0
    return UNREAD_MESSAGES.of(user)


# --- Messages as the client sees them ----------------------------------------------------------------


def avatar_of(user: User | None) -> dict:
    if user is None:
        return {"url": "", "initials": "", "colour": 0}
    return {
        "url": user.avatar.url if user.avatar else "",
        "initials": user.initials,
        "colour": user.avatar_colour,
    }


def preview_of(message: Message | None, *, sender_name: str = "", viewer_id: int | None = None) -> str:
    """A one-line preview for the chat list, in the active language."""
    if message is None:
        return ""
    if message.recalled:
        if viewer_id is not None and message.sender_id == viewer_id:
            return _("You recalled a message")
        if sender_name:
            return _("%(name)s recalled a message") % {"name": sender_name}
        return _("A message was recalled")
    if message.kind == Message.TEXT:
        text = " ".join(message.text.split())
        body = text[:60]
    elif message.kind == Message.IMAGE:
        body = _("[Photo]")
    elif message.kind == Message.STICKER:
        body = _("[Sticker]")
    elif message.kind == Message.PAT:
        params = {
            "actor": sender_name,
            "target": message.payload.get("target_name", ""),
            "suffix": message.payload.get("suffix", ""),
        }
        if viewer_id is not None and message.sender_id == viewer_id:
            return _("You patted %(target)s%(suffix)s") % params
        if viewer_id is not None and message.payload.get("target") == viewer_id:
            return _("%(actor)s patted you%(suffix)s") % params
        return _("%(actor)s patted %(target)s%(suffix)s") % params
    elif message.kind == Message.SYSTEM:
        return system_text(message.payload, message.text)
    else:
        body = cards.preview(message) or _("[Message]")
    return f"{sender_name}: {body}" if sender_name else body


def _html(message: Message) -> dict[str, str]:
    if not cards.is_card(message.kind) or message.recalled:
        return {}
    key = f"chat.html:{message.pk}:{message.version}"
    html = cache.get(key)
    if html is None:
        html = cards.render_all(message)
        cache.set(key, html, 3600)
    return html


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def message_data(message: Message) -> dict:
    """The message as every member's client receives it (viewer-independent)."""
    sender = message.sender
    reply = None
    if message.reply_to_id and message.reply_to is not None:
        original = message.reply_to
        reply = {
            "id": original.pk,
            "seq": original.seq,
            "sender": original.sender_id,
            "name": str(original.sender) if original.sender else "",
            "preview": preview_of(original) if not original.recalled else _("The message was recalled"),
        }
    recalled = message.recalled
    payload = {} if recalled else message.payload
    data = {
        "id": message.pk,
        "seq": message.seq,
        "conversation": message.conversation_id,
        "kind": message.kind,
        "sender": message.sender_id,
        "sender_name": str(sender) if sender else "",
        "avatar": avatar_of(sender),
        "text": "" if recalled else message.text,
        "payload": payload,
        "html": _html(message),
        "mentions": message.mentions,
        "reply_to": reply,
        "recalled": recalled,
        "version": message.version,
        "client_id": message.client_id or "",
        "created_at": message.created_at.isoformat(),
        # What the sender may still do with it, and until when (apps.chat.windows, the rule the services
        # enforce; clients hide the action at that moment). None: not possible.
        "recall_until": _iso(recall_until(message)),
        "reedit_until": _iso(reedit_until(message)),
    }
    if message.kind == Message.STICKER and not recalled:
        name = payload.get("name", "")
        data["sticker_url"] = static(f"img/stickers/{name}.svg") if name in STICKERS else ""
    if message.kind == Message.SYSTEM:
        data["text"] = system_text(message.payload, message.text)
    return data


def _visible(membership: Membership) -> Q:
    q = Q(seq__gt=membership.cleared_before_seq)
    if not membership.active and membership.left_seq is not None:
        q &= Q(seq__lte=membership.left_seq)
    return q


def visible_messages(membership: Membership) -> QuerySet[Message]:
    hidden = HiddenMessage.objects.filter(user_id=membership.user_id, message=OuterRef("pk"))
    return (
        Message.objects.filter(conversation_id=membership.conversation_id)
        .filter(_visible(membership))
        .exclude(Exists(hidden))
        .select_related("sender", "reply_to", "reply_to__sender")
    )


def history(
    membership: Membership, *, before: int | None = None, after: int | None = None, limit: int = PAGE_SIZE
) -> list[Message]:
    """A page of messages in seq order: the newest `limit`, older than `before`, or newer than `after`."""
    limit = max(1, min(limit, 200))
    qs = visible_messages(membership)
    if after is not None:
        return list(qs.filter(seq__gt=after).order_by("seq")[:limit])
    if before is not None:
        qs = qs.filter(seq__lt=before)
    return list(reversed(qs.order_by("-seq")[:limit]))


def notice_data(notice: Notice) -> dict:
    """A notice as its one reader's client receives it: it shows after the message with seq `after_seq`."""
    return {
        "id": notice.pk,
        "conversation": notice.conversation_id,
        "after_seq": notice.after_seq,
        "event": notice.payload.get("event", ""),
        "params": notice.payload.get("params", {}),
        "text": system_text(notice.payload, texts=NOTICE_TEXTS),
        "created_at": notice.created_at.isoformat(),
    }


def notices_for(
    membership: Membership,
    messages: list[Message],
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> list[dict]:
    """The member's own notices among the page `history()` returned for the same arguments."""
    limit = max(1, min(limit, 200))
    full = len(messages) >= limit  # more messages lie beyond the page's far end
    low = membership.cleared_before_seq + 1  # notices of cleared history stay cleared
    high = None  # exclusive
    if after is not None:
        low = max(low, after)
        if full:
            high = messages[-1].seq + 1
    else:
        if full:
            low = max(low, messages[0].seq)
        if before is not None:
            high = before
    qs = Notice.objects.filter(
        conversation_id=membership.conversation_id, user_id=membership.user_id, after_seq__gte=low
    )
    if high is not None:
        qs = qs.filter(after_seq__lt=high)
    return [notice_data(n) for n in qs.order_by("after_seq", "pk")]


def search(membership: Membership, query: str, *, limit: int = 50) -> list[Message]:
    query = query.strip()
    if not query:
        return []
    return list(
        visible_messages(membership)
        .filter(kind=Message.TEXT, recalled_at__isnull=True, text__icontains=query[:100])
        .order_by("-seq")[:limit]
    )


# --- Members --------------------------------------------------------------------------------------------


def memberships_of(conversation: Conversation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(conversation=conversation, active=True)
        .select_related("user", "user__chat_profile")
        .order_by("joined_at", "pk")
    )


def identity_masked(viewer: User, conversation: Conversation, other: User | None) -> bool:
    """Whether `viewer` sees only `other`'s nickname, avatar and region (not their public ID or profile):
    in a drift bottle's chat, until the two are friends."""
    return conversation.bottle and other is not None and not are_friends(viewer, other)


def members_data(viewer: User, memberships: list[Membership], *, masked: bool = False) -> dict:
    """Members by id as `viewer` names them, with read positions where they share them (`masked`: the
    others' public IDs left out, their region given instead; see identity_masked)."""
    remarks = remarks_of(viewer)
    out = {}
    for m in memberships:
        u = m.user
        hidden = masked and u.pk != viewer.pk
        out[str(u.pk)] = {
            "id": u.pk,
            "name": remarks.get(u.pk) or str(u),
            "public_id": "" if hidden else u.public_id,
            **({"region": u.region} if hidden else {}),
            "role": m.role,
            "avatar": avatar_of(u),
            # A person who turned read receipts off shares no read position with anyone else.
            "read": m.last_read_seq if (u.send_read_receipts or u.pk == viewer.pk) else None,
        }
    return out


def groups_of(user: User) -> QuerySet[Conversation]:
    return Conversation.objects.filter(
        kind=Conversation.Kind.GROUP, memberships__user=user, memberships__active=True
    ).order_by("name")


def _showing(url: str) -> QuerySet[Message]:
    """Image messages that show the file at `url` and were not recalled."""
    return Message.objects.filter(
        Q(payload__full=url) | Q(payload__thumb=url), kind=Message.IMAGE, recalled_at__isnull=True
    )


def can_read_image(user: User, path: str) -> bool:
    """Whether `user` is in a chat where the image at media `path` was sent or forwarded, and not recalled."""
    return (
        _showing(default_storage.url(path))
        .filter(conversation__memberships__user=user, conversation__memberships__active=True)
        .exists()
    )


def image_in_use(url: str) -> bool:
    """Whether any message still shows the image at `url` (a forwarded copy outlives a recalled original)."""
    return _showing(url).exists()


def media_name(url: str) -> str | None:
    """The storage name of a media `url` made by default_storage.url(), or None if it is not one."""
    prefix = default_storage.base_url
    if not url.startswith(prefix):
        return None
    return unquote(url[len(prefix) :])
