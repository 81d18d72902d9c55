"""Unread counts for the tab bar: each app registers what it counts, and pushes changes live.

Every page with the tab bar shows every tab's count, so a count registered as an `SQLCount` (one scalar
statement) is read together with all the others in a single `SELECT (…), (…)`: one round trip to the
database per page however many apps add a badge (on PostgreSQL each statement is a round trip and a plan,
and the tab bar was three of a page's six).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection

from apps.core.events import publish, tell_tabs


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
    """Add a count to the one shown on `tab` (chats, contacts, discover, me), or on any other element of a
    page marked `data-badge="<tab>"` (an entry on Discover, say): an `SQLCount`, or any `counter(user) -> int`
    (read on its own)."""
    _counters.setdefault(tab, []).append(counter)


def counts_for(user, known: dict[str, int] | None = None) -> dict[str, int]:
    """`user`'s count on each tab; `known` gives tabs a page has already counted (the chat list its chats).
    A counter shown in two places (a tab and an entry) is read once."""
    known = known or {}
    wanted = list(
        dict.fromkeys(c for tab, counters in _counters.items() if tab not in known for c in counters)
    )
    statements = [c for c in wanted if isinstance(c, SQLCount)]
    counted: dict = {}
    if statements:
        sql = "SELECT " + ", ".join(f"({c.sql})" for c in statements)
        params = [value for c in statements for value in c.params(user)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            counted = {c: _whole(v) for c, v in zip(statements, cursor.fetchone(), strict=True)}
    for counter in wanted:
        if counter not in counted:
            counted[counter] = counter(user)
    return {
        tab: known[tab] if tab in known else sum(counted[c] for c in counters)
        for tab, counters in _counters.items()
    }


def publish_for(user) -> None:
    """Push `user`'s current counts to their open tabs (after the surrounding commit)."""
    publish(user_ids=[user.pk], type="badges", data=counts_for(user))


REFRESH = "badges.refresh"  # the consumer method that counts and pushes a tab's badges (apps.core.consumers)


def refresh_for(user_ids: Iterable[int]) -> None:
    """After the surrounding commit, have each open tab of `user_ids` count its person's badges and show them.

    For counts that change often for many people (a like notifies its author): nothing is counted for people
    with no tab open, and nothing here waits for the counting."""
    tell_tabs(user_ids=user_ids, kind=REFRESH)
