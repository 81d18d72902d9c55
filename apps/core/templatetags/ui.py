"""Small template helpers for the phone shell (built in: no {% load %} needed)."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def avatar(user, size: int = 44, label: str = ""):
    """The person's avatar, or their initials on a colour chosen from their username."""
    alt = label or str(user)
    if getattr(user, "avatar", None):
        return format_html(
            '<img class="avatar avatar-{}" src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
            size,
            user.avatar.url,
            alt,
            size,
            size,
        )
    return format_html(
        '<span class="avatar avatar-{} avatar-c{}" role="img" aria-label="{}">{}</span>',
        size,
        user.avatar_colour,
        alt,
        user.initials,
    )


@register.simple_tag
def badge(count, label=""):
    """A red unread badge (hidden at zero; realtime.js updates it by its data-badge key)."""
    hidden = "" if count else " hidden"
    text = "99+" if count and count > 99 else (count or "")
    return format_html('<span class="badge" data-badge="{}"{}>{}</span>', label, hidden, text)
