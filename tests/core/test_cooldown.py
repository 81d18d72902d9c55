"""A cooldown refuses a second attempt right after the first wherever the clock stands: a workshop scene pressed
twice runs once (a fixed window let a double click across its end run twice)."""

from datetime import UTC, datetime

import time_machine
from django.core.cache import cache

from apps.core import ratelimit


def test_a_second_attempt_just_after_a_window_boundary_is_still_refused():
    cache.delete("cd:t.boundary")
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, 9, 900_000, tzinfo=UTC), tick=False) as moving:
        assert ratelimit.cooldown("t.boundary", seconds=10).allowed
        moving.shift(0.2)  # into the next 10 s window of the clock
        refused = ratelimit.cooldown("t.boundary", seconds=10)
        assert not refused.allowed
        assert refused.retry_after == 10  # 9.8 s to go, said in whole seconds
    cache.delete("cd:t.boundary")
