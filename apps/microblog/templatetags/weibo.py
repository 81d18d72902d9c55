"""Weibo's template library: the V badge after a name, which is the kernel's now (`{% v_badge %}` in
apps/core/templatetags/ui.py, built in on every page), re-exported so `{% load weibo %}` templates read the same."""

from django import template

from apps.core.templatetags.ui import v_badge

register = template.Library()
register.simple_tag(v_badge)
