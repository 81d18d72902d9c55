"""What each feature reports to the presenter's console (workshop mode): an extension point.

A feature adds a module `apps/<app>/activity.py` that registers its sources at import; `autodiscover()`
(called by the workshop app, the one reader) imports them, so a new feature shows on the console by itself.

- `Source`: a live counter and the lines of a rolling activity stream. `since(cursor)` returns what is new
  after `cursor` (its own kind of cursor: most use the primary key, see `rows_since`); `count()` the total.
- `Board`: a small ranked panel read as a whole (the hot-search top 5, Best luck).

A row committed after a later one (two transactions at once on PostgreSQL) can be passed by the cursor: it
is counted at the next whole recount (apps.workshop.console, once a minute), its line is not shown.

Nothing here runs per chat message or per post: the console reads the sources about once a second, and only
while a console is open (apps.workshop.console). Lines carry their text in every language of the site, so
one read serves every console whatever its language.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils import translation


@dataclass
class Batch:
    """What a source found after a cursor: the cursor to ask from next, how many rows were added (all of
    them), and lines for the stream (the newest few, oldest first)."""

    cursor: Any
    added: int = 0
    lines: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    key: str
    label: object  # lazy translation
    count: Callable[[], int]
    since: Callable[[Any], Batch]  # cursor None: where things stand now (no rows counted as added)
    order: int = 100
    icon: str = ""  # a symbol in static/img/icons.svg


@dataclass(frozen=True)
class Board:
    key: str
    label: object
    read: Callable[[], list[dict]]  # rows of {"text": {lang: str}, "value": str}
    order: int = 100


_sources: dict[str, Source] = {}
_boards: dict[str, Board] = {}
STREAM_LINES = 8  # lines per source per read at most: a storm of grabs shows its last few


def register(item: Source | Board) -> None:
    """Report `item` to the console (a second registration under the same key replaces the first)."""
    (_sources if isinstance(item, Source) else _boards)[item.key] = item


def sources() -> list[Source]:
    return sorted(_sources.values(), key=lambda s: s.order)


def boards() -> list[Board]:
    return sorted(_boards.values(), key=lambda b: b.order)


def autodiscover() -> None:
    """Import every installed app's `activity` module (they register their sources)."""
    for config in apps.get_app_configs():
        if config.name.startswith("apps.") and find_spec(f"{config.name}.activity"):
            import_module(f"{config.name}.activity")


def text(message, **params) -> dict[str, str]:
    """`message % params` in every language of the site: {"en": …, "zh-hans": …}."""
    rendered = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            rendered[code] = str(message) % {k: str(v) for k, v in params.items()}
    return rendered


def line(source: str, at, message, **params) -> dict:
    """One line of the stream: when, which source, and its text in every language."""
    return {"source": source, "at": at.isoformat() if at else None, "text": text(message, **params)}


def rows_since(queryset, cursor, describe: Callable[[list], list[dict]], *, start_lines: int = 4) -> Batch:
    """A Batch over `queryset` by primary key: one query for the newest few (with whatever `queryset` selects
    related), one more to count them when there are more; at the start, the last `start_lines` rows as context."""
    if cursor is None:
        recent = list(queryset.order_by("-pk")[:start_lines])
        top = recent[0].pk if recent else 0
        return Batch(cursor=top, added=0, lines=describe(recent[::-1]))
    newer = queryset.filter(pk__gt=cursor)
    rows = list(newer.order_by("-pk")[:STREAM_LINES])
    if not rows:
        return Batch(cursor=cursor)
    top = rows[0].pk
    # Counted up to the newest row read, not again from scratch: a row committed between the two queries
    # is counted at the next read instead of being skipped by the cursor.
    added = len(rows) if len(rows) < STREAM_LINES else newer.filter(pk__lte=top).count()
    return Batch(cursor=top, added=added, lines=describe(rows[::-1]))
