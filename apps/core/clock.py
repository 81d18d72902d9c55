"""The one clock: every expiry, window and daily limit reads the time here.

Two offsets move it. Tests (and seeds) move this process only, with `advance()`, `set_offset()` and `travel()`.
The presenter's time machine (`machine_set()`, DEMO_MODE only) moves every worker process: its offset is stored
in the database (the truth: it survives a restart and reaches `manage.py` commands) and copied to the shared
cache (Redis across workers). `now()` is called everywhere, so it never queries per call: each process keeps
the stored offset for MACHINE_REFRESH seconds, then looks at the cache (one round trip), and only on a miss at
the database. A jump shows in the process that made it at once, in the others within MACHINE_REFRESH.
"""

import asyncio
import logging
import time
import zoneinfo
from contextlib import contextmanager, nullcontext
from datetime import date, datetime, timedelta
from functools import cache

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.db import connection, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

_offset = timedelta(0)  # this process only: tests and seeds
MACHINE_KEY = "core.clock.machine"
MACHINE_REFRESH = 1.0  # seconds a process trusts its copy of the stored offset
_machine = timedelta(0)  # this process's copy of the stored offset
_machine_until = 0.0  # time.monotonic() when the copy is to be looked at again


def now() -> datetime:
    """Return the current aware datetime, shifted by the time machine."""
    return timezone.now() + _offset + machine_offset()


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
    """How far the clock is from real time (this process's offset and the time machine's)."""
    return _offset + machine_offset()


def set_offset(delta: timedelta) -> None:
    """Move every time-dependent rule in this process `delta` away from real time (tests, seeds); the time
    machine's offset, zero outside DEMO_MODE, still adds to it."""
    global _offset
    _offset = delta


def advance(delta: timedelta) -> None:
    global _offset
    _offset += delta


@contextmanager
def travel(delta: timedelta):
    """Run the block `delta` into the future (or past), then come back (this process only)."""
    global _offset
    previous = _offset
    _offset = previous + delta
    try:
        yield
    finally:
        _offset = previous


# --- The time machine: an offset shared by every worker process (DEMO_MODE only) ------------------------


def machine_offset() -> timedelta:
    """The time machine's offset: zero unless DEMO_MODE; this process's copy, refreshed at most every second."""
    global _machine, _machine_until
    if not settings.DEMO_MODE:
        return timedelta(0)
    if time.monotonic() < _machine_until:
        return _machine
    stored = _machine_read()
    if stored is not None:
        _machine, _machine_until = stored, time.monotonic() + MACHINE_REFRESH
    return _machine


def _machine_read() -> timedelta | None:
    """The stored offset from the cache, else the database; None if neither can be asked just now."""
    try:
        seconds = shared_cache.get(MACHINE_KEY)
    except Exception:  # a cache outage must not stop the clock: keep the copy, look again later
        log.warning("time machine: the cache could not be read", exc_info=True)
        return None
    if seconds is not None:
        return timedelta(seconds=seconds)
    if _in_event_loop() or connection.needs_rollback:
        # No query from async code (Django refuses it) nor in a transaction already failing: keep the copy,
        # look again at a later call.
        return None
    try:
        from .models import ClockOffset  # models load after the app registry; the clock is imported before

        # Inside a transaction, in a savepoint: a failure (the table not migrated yet, as when an earlier
        # migration asks the time) must not abort the caller's transaction on PostgreSQL. Not outside one: on
        # SQLite a transaction of its own would take the write lock for a read.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            seconds = ClockOffset.objects.filter(pk=1).values_list("seconds", flat=True).first() or 0.0
    except Exception:  # before `migrate`, or where the database may not be used: keep the copy
        return None
    shared_cache.set(MACHINE_KEY, seconds, None)
    return timedelta(seconds=seconds)


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def machine_set(delta: timedelta) -> timedelta:
    """Store the time machine's offset for every process (seconds' precision); return it."""
    global _machine, _machine_until
    from .models import ClockOffset

    seconds = round(delta.total_seconds())
    ClockOffset.objects.update_or_create(pk=1, defaults={"seconds": seconds})
    delta = timedelta(seconds=seconds)
    _machine, _machine_until = delta, time.monotonic() + MACHINE_REFRESH  # this process: at once
    # The other processes: once it is committed (the cache is dropped too if it is not, so they read the row).
    shared_cache.delete(MACHINE_KEY)
    transaction.on_commit(lambda: shared_cache.set(MACHINE_KEY, seconds, None))
    return delta


def machine_forget() -> None:
    """Drop this process's copy of the stored offset (tests: look again at the next `now()`)."""
    global _machine, _machine_until
    _machine, _machine_until = timedelta(0), 0.0
