"""Entries on the Discover and Me pages: a feature adds its own when it exists, so none is a dead link."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    key: str
    label: object  # lazy translation
    url_name: str
    icon: str  # a symbol in static/img/icons.svg
    order: int = 100


# "profile" entries are actions on a friend's profile; their URL takes the friend's public ID.
_pages: dict[str, list[Entry]] = {"discover": [], "me": [], "contacts": [], "profile": []}


def register(entry: Entry, *, page: str = "discover") -> None:
    """Show `entry` on `page` (discover, me, contacts or profile)."""
    entries_on_page = _pages[page]
    if all(e.key != entry.key for e in entries_on_page):
        entries_on_page.append(entry)


def entries(page: str = "discover") -> list[Entry]:
    return sorted(_pages[page], key=lambda e: e.order)
