"""Unread counts for the tab bar: each app registers what it counts, and pushes changes live.

Every page with the tab bar shows every tab's count, so a count registered as an `SQLCount` (one scalar
statement) is read together with all the others in a single `SELECT (…), (…)`: one round trip to the
database per page however many apps add a badge (on PostgreSQL each statement is a round trip and a plan,
and the tab bar was three of a page's six).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from apps.core.events import publish


@dataclass(frozen=True)
class SQLCount:
    """A count as one scalar statement: `sql` returns one number for the parameters `params(user)` gives.

    The statement is the rule: the app's own reader (`count.of(user)`) and the tab bar run the same text."""

    sql: str
    params: Callable

    def of(self, user) -> int:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params(user))
            return _whole(cursor.fetchone()[0])


def _whole(value) -> int:
    return max(int(value or 0), 0)


_counters: dict[str, list] = {}


def register(tab: str, counter) -> None:
    """Add a count to the one shown on `tab` (chats, contacts, discover, me): an `SQLCount`, or any
    `counter(user) -> int` (read on its own)."""
    _counters.setdefault(tab, []).append(counter)


def counts_for(user, known: dict[str, int] | None = None) -> dict[str, int]:
    """`user`'s count on each tab; `known` gives tabs a page has already counted (the chat list its chats)."""
    known = known or {}
    totals = {tab: known.get(tab, 0) for tab in _counters}
    wanted = [
        (tab, counter) for tab, counters in _counters.items() if tab not in known for counter in counters
    ]
    statements = [(tab, counter) for tab, counter in wanted if isinstance(counter, SQLCount)]
    if statements:
        sql = "SELECT " + ", ".join(f"({counter.sql})" for _, counter in statements)
        params = [value for _, counter in statements for value in counter.params(user)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        for (tab, _), value in zip(statements, row, strict=True):
            totals[tab] += _whole(value)
    for tab, counter in wanted:
        if not isinstance(counter, SQLCount):
            totals[tab] += counter(user)
    return totals


def publish_for(user) -> None:
    """Push `user`'s current counts to their open tabs (after the surrounding commit)."""
    publish(user_ids=[user.pk], type="badges", data=counts_for(user))
