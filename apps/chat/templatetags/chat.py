from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.core import clock

register = template.Library()


@register.filter
def chat_time(value):
    """WeChat's list times: 14:05 today, "Yesterday", a weekday this week, else the date."""
    if not value:
        return ""
    local = timezone.localtime(value)
    today = timezone.localtime(clock.now()).date()
    day = local.date()
    if day == today:
        return local.strftime("%H:%M")
    if day == today - timedelta(days=1):
        return _("Yesterday")
    if today - day < timedelta(days=7):
        return date_format(local, "l")
    return date_format(local, "SHORT_DATE_FORMAT")
