"""The one clock: every expiry, window and daily limit reads the time here.

Tests and the presenter's time machine move it with `advance()`; nothing else in the
project calls `timezone.now()` for a rule.
"""

import zoneinfo
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import cache

from django.conf import settings
from django.utils import timezone

_offset = timedelta(0)


def now() -> datetime:
    """Return the current aware datetime, shifted by the time machine."""
    return timezone.now() + _offset


@cache
def _calendar_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def calendar(moment: datetime | None = None) -> datetime:
    """`moment` (default: now) on the app's calendar: China time (settings.TIME_ZONE), whatever zone a page
    shows. Daily quotas, "today" and dated rules (¥520 packets on 20 May) count days there."""
    return (moment or now()).astimezone(_calendar_zone())


def today() -> date:
    """The app's date: it rolls over at midnight China time."""
    return calendar().date()


def offset() -> timedelta:
    return _offset


def set_offset(delta: timedelta) -> None:
    """Move every time-dependent rule to `delta` away from real time."""
    global _offset
    _offset = delta


def advance(delta: timedelta) -> None:
    set_offset(_offset + delta)


@contextmanager
def travel(delta: timedelta):
    """Run the block `delta` into the future (or past), then come back."""
    previous = _offset
    set_offset(previous + delta)
    try:
        yield
    finally:
        set_offset(previous)
