from django import template
from django.utils.translation import gettext as _

from apps.wallet.money import plain, yuan

register = template.Library()


@register.filter(name="yuan")
def yuan_filter(fen):
    return yuan(fen or 0)


@register.filter
def yuan_signed(fen):
    return yuan(fen or 0, sign=True)


@register.filter
def yuan_plain(fen):
    return plain(fen or 0)


@register.filter
def duration_short(seconds):
    seconds = int(seconds or 0)
    if seconds < 60:
        return _("%(n)s s") % {"n": seconds}
    if seconds < 3600:
        return _("%(n)s min") % {"n": seconds // 60}
    return _("%(n)s h") % {"n": seconds // 3600}
