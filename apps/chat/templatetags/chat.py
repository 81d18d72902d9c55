from datetime import date, datetime, timedelta
from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core import clock
from apps.core.templatetags.ui import VERIFIED, asset_url, avatar, escape_value, v_badge_html

register = template.Library()


def _list_time(local: datetime, today: date) -> str:
    if local.date() == today:
        return f"{local.hour:02d}:{local.minute:02d}"  # strftime("%H:%M") without its time-tuple round trip
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
# message): formatting each row in one f-string costs a fraction of a template loop's dozens of nodes
# (and of str.format, which parses its template again for every row). Every argument is already HTML.
def _row_html(
    *, pinned, id, url, avatar, badge, title, v, iso, time, mention, muted_count, preview, mute_icon
):
    return (
        f'\n  <li class="{pinned}" data-conversation="{id}">\n'
        f'    <a class="chat-row" href="{url}">\n'
        f'      <span class="chat-avatar">\n'
        f"        {avatar}\n"
        f"        {badge}\n"
        f"      </span>\n"
        f'      <span class="chat-main">\n'
        f'        <span class="chat-top"><span class="chat-title">{title}</span>{v}'
        f'<time class="chat-time" datetime="{iso}" >{time}</time></span>\n'
        f'        <span class="chat-bottom"><span class="chat-preview">{mention}{muted_count}{preview}</span>'
        f"{mute_icon}</span>\n"
        f"      </span>\n"
        f"    </a>\n"
        f"  </li>\n  "
    )


def _row_avatar(row, group_icon: str, drawn: dict) -> str:
    if row.is_group:
        if len(row.faces) > 1:
            for face in row.faces:
                if face.pk not in drawn:  # the same people recur across groups
                    drawn[face.pk] = avatar(face, 20)
            faces = "".join(drawn[face.pk] for face in row.faces)  # each escaped by avatar()
            return f'<span class="face-grid" role="img" aria-label="{escape(row.title)}">{faces}</span>'
        return (
            f'<span class="avatar avatar-44 group-avatar" role="img" aria-label="{escape(row.title)}">'
            f"{group_icon}</span>"
        )
    return avatar(row.other, 44, row.title) if row.other else ""


@register.simple_tag
def chat_rows(rows) -> SafeString:
    """The Chats tab's rows (apps.chat.chatlist.ChatRow): avatar, unread badge, title (and a 1:1 chat's
    person's V), time, preview.

    Every value is escaped once with html.escape (what django.utils.html.escape applies, without its
    lazy-string check per call); the labels are translated once for the whole list.
    """
    icons = escape(asset_url("img/icons.svg"))
    # reverse() once: the rows differ only in the id.
    placeholder = str(9_876_543_210)
    url = escape(reverse("chat:thread", args=[placeholder]))
    zone = timezone.get_current_timezone()
    today = clock.now().astimezone(zone).date()
    mention = f'<span class="mention-mark" data-testid="mention-mark">{escape(_("[@me]"))}</span> '
    mute_icon = (
        f'<svg class="icon mute-icon" aria-label="{escape(_("Muted"))}"><use href="{icons}#mute"></use></svg>'
    )
    muted_dot = f'<span class="dot" aria-label="{escape(_("Unread"))}"></span>'
    group_icon = f'<svg class="icon"><use href="{icons}#group"></use></svg>'
    drawn: dict[int, str] = {}
    v_badges = {kind: v_badge_html(kind) for kind in VERIFIED}  # a 1:1 chat's person's V, after the title
    out = []
    for row in rows:
        local = row.last_at.astimezone(zone)
        unread = int(row.unread)
        muted_count = badge = ""
        if unread:
            if row.muted:
                badge = muted_dot
            else:
                badge = f'<span class="badge" data-unread>{"99+" if unread > 99 else unread}</span>'
        if row.muted and unread > 1:
            muted_count = ngettext("[%(counter)s message]", "[%(counter)s messages]", unread) % {
                "counter": unread
            }
            muted_count = escape(muted_count) + " "
        out.append(
            _row_html(
                pinned="pinned" if row.pinned else "",
                id=int(row.conversation_id),
                url=url.replace(placeholder, str(int(row.conversation_id))),
                avatar=_row_avatar(row, group_icon, drawn),
                badge=badge,
                title=escape(row.title),
                v=v_badges.get(row.other.verified, "") if row.other else "",
                iso=local.isoformat(),
                time=escape(_list_time(local, today)),
                mention=mention if row.mentioned else "",
                muted_count=muted_count,
                preview=escape_value(row.preview),
                mute_icon=mute_icon if row.muted else "",
            )
        )
    return mark_safe("".join(out))  # every value above is escaped, or built by avatar() which escapes
