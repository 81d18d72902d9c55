"""Small template helpers for the phone shell (built in: no {% load %} needed).

They run on every page, some dozens of times (an avatar per chat row), so they build their HTML with
f-strings and `escape_value` instead of format_html: the same escaping, without a lazy-argument check and
a SafeString per value.
"""

from html import escape

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, gettext_noop

register = template.Library()


def escape_value(value) -> str:
    """What conditional_escape gives (a value's own __html__, else its text HTML-escaped), as a plain str."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


_asset_urls: dict[str, str] = {}


def asset_url(path: str) -> str:
    """static(path), worked out once per process: the storage maps a path to the same URL until the
    settings change (a manifest is read once, when the storage is made)."""
    url = _asset_urls.get(path)
    if url is None:
        url = _asset_urls[path] = static(path)
    return url


_page_urls: dict[tuple, str] = {}


def page_url(name: str) -> str:
    """reverse(name) for a URL without arguments, worked out once for each URLconf, script prefix and
    language it is asked under (the URL patterns do not change while the process runs)."""
    key = (name, get_urlconf(), get_script_prefix(), get_language())
    url = _page_urls.get(key)
    if url is None:
        url = _page_urls[key] = reverse(name)
    return url


@receiver(setting_changed)
def _forget_urls(*, setting, **kwargs):
    if setting in {"STATIC_URL", "STATIC_ROOT", "STATICFILES_DIRS", "STORAGES"}:
        _asset_urls.clear()
    if setting == "ROOT_URLCONF":
        _page_urls.clear()


@register.simple_tag
def asset(path: str) -> str:
    """{% static %}'s URL for a file under static/, from asset_url (autoescaped like {% static %})."""
    return asset_url(path)


@register.simple_tag
def avatar(user, size: int = 44, label: str = ""):
    """The person's avatar, or their initials on a colour chosen from their username."""
    alt = escape_value(label or str(user))
    size = size if type(size) is int else escape_value(size)
    if getattr(user, "avatar", None):
        return SafeString(
            f'<img class="avatar avatar-{size}" src="{escape_value(user.avatar.url)}" alt="{alt}" '
            f'width="{size}" height="{size}" loading="lazy">'
        )
    return SafeString(
        f'<span class="avatar avatar-{size} avatar-c{int(user.avatar_colour)}" role="img" '
        f'aria-label="{alt}">{escape_value(user.initials)}</span>'
    )


@register.simple_tag
def badge(count, label=""):
    """A red unread badge (hidden at zero; realtime.js updates it by its data-badge key)."""
    hidden = "" if count else " hidden"
    text = "99+" if count and count > 99 else (count or "")
    return SafeString(
        f'<span class="badge" data-badge="{escape_value(label)}"{hidden}>{escape_value(text)}</span>'
    )


@register.simple_tag
def entry_badge(counts, key: str):
    """{% entry_badge badge_counts entry.key %}: the badge of an entry that has a count registered under its key
    (apps.core.badges), live like the tab bar's; nothing for an entry without one."""
    return badge(counts.get(key), key) if key in counts else ""


# The tab bar of every signed-in page: (tab, its URL's name, its label). One tag writes it, as the four
# links' dozens of template nodes (a URL, an icon, a label and a badge each) cost more than the rest of the
# page shell.
TABS = (
    ("chats", "chat:list", gettext_noop("Chats")),
    ("contacts", "accounts:contacts", gettext_noop("Contacts")),
    ("discover", "core:discover", gettext_noop("Discover")),
    ("me", "accounts:me", gettext_noop("Me")),
)


@register.simple_tag
def tabbar(current: str, counts) -> SafeString:
    """The tab bar: `current` marked as the page's tab, each tab with its badge from `counts`."""
    icons = escape(asset_url("img/icons.svg"))
    links = []
    for tab, url_name, label in TABS:
        here = ' aria-current="page"' if tab == current else ""
        links.append(
            f'\n    <a href="{escape(page_url(url_name))}"{here}>\n'
            f'      <svg class="icon" aria-hidden="true"><use href="{icons}#{tab}"></use></svg>'
            f"<span>{escape(gettext(label))}</span>{badge(counts.get(tab), tab)}</a>"
        )
    return SafeString(
        f'<nav class="tabbar" aria-label="{escape(gettext("Main"))}">{"".join(links)}\n  </nav>'
    )


# Weibo's V after a verified person's name (User.verified, set by moderators): orange for a person, blue for
# an organisation (a brand's account). Each label is what a screen reader says in place of the "V".
VERIFIED = {
    "person": ("v-badge v-person", gettext_noop("Verified person")),
    "organisation": ("v-badge v-org", gettext_noop("Verified organisation")),
}


def v_badge_html(kind: str) -> str:
    """The badge for a `verified` value, in the active language; "" for anyone not verified."""
    found = VERIFIED.get(kind or "")
    if found is None:
        return ""
    css, label = found
    label = escape(gettext(label))
    return f'<span class="{css}" role="img" aria-label="{label}" title="{label}">V</span>'


@register.simple_tag
def v_badge(person) -> SafeString:
    """{% v_badge person %}: the V after a verified person's name; nothing for everyone else."""
    return SafeString(v_badge_html(getattr(person, "verified", "")))
