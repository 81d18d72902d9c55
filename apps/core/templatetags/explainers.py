from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from apps.core import explainers

register = template.Library()


@register.simple_tag
def explainer(key: str, full: bool = False) -> SafeString:
    """The "About this feature" card of feature `key` (folded; `full` for the console's full screen)."""
    card = _render.__wrapped__ if settings.DEBUG else _render  # DEBUG: a template being edited shows at once
    return card(key, bool(full), get_language())


@lru_cache(maxsize=64)
def _render(key: str, full: bool, language: str) -> SafeString:
    # The card's texts live in code, so it is the same for everyone reading one language: rendered once per
    # worker, not on each visit of the busiest pages (it was a tenth of the chat list's CPU).
    return SafeString(
        render_to_string("core/_explainer.html", {"explainer": explainers.get(key), "full": full})
    )
