"""Unread counts for the tab bar: each app registers what it counts, and pushes changes live."""

from collections.abc import Callable

from apps.core.events import publish

_counters: dict[str, list[Callable]] = {}


def register(tab: str, counter: Callable) -> None:
    """Add `counter(user) -> int` to the count shown on `tab` (chats, contacts, discover, me)."""
    _counters.setdefault(tab, []).append(counter)


def counts_for(user, known: dict[str, int] | None = None) -> dict[str, int]:
    """`user`'s count on each tab; `known` gives tabs a page has already counted (the chat list its chats)."""
    known = known or {}
    return {
        tab: known[tab] if tab in known else sum(counter(user) for counter in counters)
        for tab, counters in _counters.items()
    }


def publish_for(user) -> None:
    """Push `user`'s current counts to their open tabs (after the surrounding commit)."""
    publish(user_ids=[user.pk], type="badges", data=counts_for(user))
