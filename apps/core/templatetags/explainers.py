from django import template

from apps.core import explainers

register = template.Library()


@register.inclusion_tag("core/_explainer.html")
def explainer(key: str, full: bool = False):
    """The "About this feature" card of feature `key` (folded; `full` for the console's full screen)."""
    return {"explainer": explainers.get(key), "full": full}
