from datetime import date, datetime, timedelta
from html import escape

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core import clock
from apps.core.templatetags.ui import avatar

register = template.Library()


def _list_time(local: datetime, today: date) -> str:
    if local.date() == today:
        return local.strftime("%H:%M")
    if local.date() == today - timedelta(days=1):
        return _("Yesterday")
    if today - local.date() < timedelta(days=7):
        return date_format(local, "l")
    return date_format(local, "SHORT_DATE_FORMAT")


@register.filter
def chat_time(value):
    """WeChat's list times: 14:05 today, "Yesterday", a weekday this week, else the date."""
    if not value:
        return ""
    return _list_time(timezone.localtime(value), timezone.localtime(clock.now()).date())


# One row of the Chats tab. The list is the most requested page (chat.js refetches it on every new
# message): formatting each row in one step costs a fraction of a template loop's dozens of nodes.
ROW = (
    '\n  <li class="{pinned}" data-conversation="{id}">\n'
    '    <a class="chat-row" href="{url}">\n'
    '      <span class="chat-avatar">\n'
    "        {avatar}\n"
    "        {badge}\n"
    "      </span>\n"
    '      <span class="chat-main">\n'
    '        <span class="chat-top"><span class="chat-title">{title}</span>'
    '<time class="chat-time" datetime="{iso}" >{time}</time></span>\n'
    '        <span class="chat-bottom"><span class="chat-preview">{mention}{muted_count}{preview}</span>'
    "{mute_icon}</span>\n"
    "      </span>\n"
    "    </a>\n"
    "  </li>\n  "
)


def _row_avatar(row, icons: str, drawn: dict) -> SafeString:
    if row.is_group:
        if len(row.faces) > 1:
            for face in row.faces:
                if face.pk not in drawn:  # the same people recur across groups
                    drawn[face.pk] = avatar(face, 20)
            faces = mark_safe("".join(drawn[face.pk] for face in row.faces))  # each escaped by avatar()
            return format_html(
                '<span class="face-grid" role="img" aria-label="{}">{}</span>', row.title, faces
            )
        return format_html(
            '<span class="avatar avatar-44 group-avatar" role="img" aria-label="{}">'
            '<svg class="icon"><use href="{}#group"></use></svg></span>',
            row.title,
            icons,
        )
    return avatar(row.other, 44, row.title) if row.other else ""


def _row_badge(row) -> SafeString | str:
    if not row.unread:
        return ""
    if row.muted:
        return format_html('<span class="dot" aria-label="{}"></span>', _("Unread"))
    return format_html('<span class="badge" data-unread>{}</span>', "99+" if row.unread > 99 else row.unread)


@register.simple_tag
def chat_rows(rows) -> SafeString:
    """The Chats tab's rows (apps.chat.chatlist.ChatRow): avatar, unread badge, title, time, preview."""
    icons = static("img/icons.svg")
    # reverse() once: the rows differ only in the id.
    placeholder = 9_876_543_210
    url = reverse("chat:thread", args=[placeholder])
    today = timezone.localtime(clock.now()).date()
    mention = format_html('<span class="mention-mark" data-testid="mention-mark">{}</span> ', _("[@me]"))
    mute_icon = format_html(
        '<svg class="icon mute-icon" aria-label="{}"><use href="{}#mute"></use></svg>', _("Muted"), icons
    )
    drawn: dict[int, SafeString] = {}
    out = []
    for row in rows:
        local = timezone.localtime(row.last_at)
        muted_count = ""
        if row.muted and row.unread > 1:
            muted_count = ngettext("[%(counter)s message]", "[%(counter)s messages]", row.unread) % {
                "counter": row.unread
            }
            muted_count += " "
        # html.escape is what django.utils.html.escape applies, without its lazy-string wrapper per call.
        out.append(
            ROW.format(
                pinned="pinned" if row.pinned else "",
                id=int(row.conversation_id),
                url=escape(url.replace(str(placeholder), str(row.conversation_id))),
                avatar=_row_avatar(row, icons, drawn),
                badge=_row_badge(row),
                title=escape(row.title),
                iso=local.isoformat(),
                time=escape(_list_time(local, today)),
                mention=mention if row.mentioned else "",
                muted_count=escape(muted_count),
                preview=conditional_escape(row.preview),
                mute_icon=mute_icon if row.muted else "",
            )
        )
    return mark_safe("".join(out))  # every value above is escaped or built by format_html
