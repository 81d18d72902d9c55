"""Unread counts for the tab bar: each app registers what it counts, and pushes changes live."""

from collections.abc import Callable, Iterable

from apps.core.events import publish, tell_tabs

_counters: dict[str, list[Callable]] = {}


def register(tab: str, counter: Callable) -> None:
    """Add `counter(user) -> int` to the count shown on `tab` (chats, contacts, discover, me), or on any other
    element of a page marked `data-badge="<tab>"` (an entry on Discover, say)."""
    _counters.setdefault(tab, []).append(counter)


def counts_for(user, known: dict[str, int] | None = None) -> dict[str, int]:
    """`user`'s count on each tab; `known` gives tabs a page has already counted (the chat list its chats)."""
    known = known or {}
    counted: dict[Callable, int] = {}  # a counter shown in two places (a tab and an entry) is asked once

    def count(counter) -> int:
        if counter not in counted:
            counted[counter] = counter(user)
        return counted[counter]

    return {
        tab: known[tab] if tab in known else sum(count(counter) for counter in counters)
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
