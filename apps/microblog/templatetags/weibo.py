"""Weibo's template helpers: the V badge by a name, and a post's text as a timeline shows it."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.microblog import text

register = template.Library()

_V = {
    "person": ("mb-v mb-v-person", _("Verified person")),  # orange V
    "organisation": ("mb-v mb-v-org", _("Verified organisation")),  # blue V (a brand's account)
}


@register.simple_tag
def v_badge(person):
    """Weibo's V after a verified person's name, with a label screen readers say; nothing for everyone else."""
    found = _V.get(getattr(person, "verified", "") or "")
    if found is None:
        return ""
    css, label = found
    return format_html('<span class="{}" role="img" aria-label="{}" title="{}">V</span>', css, label, label)


def topic_url(name: str) -> str:
    return reverse("microblog:topic", args=[name])


@register.simple_tag
def post_preview(post):
    """The first 140 characters of a post, topics linked, everything else escaped; (html, was it cut)."""
    shown, cut = text.preview(text.parse(post.text))
    return text.render(shown, topic_url=topic_url, person_url=lambda name: None), cut
