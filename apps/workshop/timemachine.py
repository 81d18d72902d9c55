"""The time machine: the presenter moves the app's one clock for every worker, and overdue work runs at once."""

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.core import clock, periodic
from apps.core.errors import DomainError

from . import access

JUMPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
FURTHEST = timedelta(days=366)  # ahead of real time at most: a demo, not a way to overflow dates


def clock_jump(*, actor, to: str) -> timedelta:
    """Move the clock `to` "hour", "day" or "week" further, or back to "now"; run every periodic job at once.

    Returns the new offset from real time."""
    access.check_host(actor)
    if to == "now":
        target = timedelta(0)
    elif to in JUMPS:
        clock.machine_forget()  # from the stored offset, not this process's copy of a second ago
        target = clock.machine_offset() + JUMPS[to]
    else:
        raise DomainError(_("Choose how far to move the clock."), code="malformed")
    if target > FURTHEST:
        raise DomainError(_("The clock is already as far ahead as it goes. Go back to now first."))
    with transaction.atomic():
        offset = clock.machine_set(target)
    # After the commit: every job sees the new time (refunds, bottles washing away, nearby lapsing).
    periodic.catch_up()
    return offset


def describe(offset: timedelta) -> dict:
    """How far the clock is moved, for the console: {"days": …, "hours": …, "minutes": …}."""
    total = int(offset.total_seconds())
    days, rest = divmod(abs(total), 86400)
    return {"ahead": total > 0, "days": days, "hours": rest // 3600, "minutes": rest % 3600 // 60}
