"""The presenter's console: counters, a rolling stream and small boards, read from every feature's sources
(apps.core.activity) and pushed to the open consoles over the websocket.

The cost stays off the features: no chat message, post or grab does anything for the console. A periodic
job (`tick`, every second) reads the sources only while a console is open (it says so every few seconds,
`watch`), a few indexed queries per source whatever the traffic, and sends one event to the consoles' live
page. Its state (cursors, counters, the last lines) is in the shared cache, so whichever worker runs the tick
carries on where the last one stopped.
"""

import hashlib
import hmac
import logging

from django.conf import settings
from django.core.cache import cache

from apps.core import activity, clock, events, realtime

from . import access

log = logging.getLogger(__name__)

PAGE_KIND = "workshop.console"
OPEN_KEY = "workshop.console.open"
STATE_KEY = "workshop.console.state"
OPEN_SECONDS = 30  # a console renews this every 10 s while it is open
RECOUNT_SECONDS = 60  # counters are kept by adding new rows; recounted whole this often (deletions)
KEEP_LINES = 40
BOARDS_SECONDS = 5  # the hot-search list changes once a minute, Best luck when a packet is emptied


def page_name() -> str:
    """The consoles' live page. Any tab may join a registered page, so its number is a secret derived from
    SECRET_KEY (the same in every worker), handed to hosts only by `watch`."""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"workshop.console", hashlib.sha256).hexdigest()
    return realtime.object_page(PAGE_KIND, int("1" + str(int(digest[:14], 16))[:17]))


def clock_state() -> dict:
    return {"now": clock.now().isoformat(), "offset": int(clock.offset().total_seconds())}


def watch(*, user) -> dict:
    """A host's console says it is open: the page to join, and everything to draw at once."""
    access.check_host(user)
    cache.set(OPEN_KEY, True, OPEN_SECONDS)
    state = _state()
    if not state["cursors"]:
        _advance(state)
        cache.set(STATE_KEY, state, None)
    return {"page": page_name(), **snapshot(state)}


def snapshot(state: dict | None = None) -> dict:
    state = state if state is not None else _state()
    return {
        "sources": [
            {"key": s.key, "label": str(s.label), "count": state["counts"].get(s.key, 0)}
            for s in activity.sources()
        ],
        "lines": state["lines"],
        "boards": _boards(),
        "clock": clock_state(),
    }


def snapshot_in(lang: str | None) -> dict:
    """The snapshot with its text in one language, the stream newest first (the console page's first draw)."""
    data = snapshot()
    data["lines"] = [{**line, "text": in_language(line["text"], lang)} for line in reversed(data["lines"])]
    for board in data["boards"]:
        board["rows"] = [{**row, "text": in_language(row["text"], lang)} for row in board["rows"]]
    return data


def in_language(text: dict[str, str], lang: str | None) -> str:
    """One language's version of a line's text (apps.core.activity.text), English if it has none."""
    return text.get(lang or "en") or text.get("en", "")


def is_open() -> bool:
    return access.enabled() and bool(cache.get(OPEN_KEY))


def tick() -> dict | None:
    """The periodic job: while a console is open, read what is new and send it to the consoles."""
    if not is_open():
        return None
    state = _state()
    added, lines = _advance(state)
    data = {"counts": state["counts"], "added": added, "lines": lines, "clock": clock_state()}
    now = clock.now().timestamp()
    if not now - BOARDS_SECONDS < state.get("boards_at", 0.0) <= now:  # boards change slowly: every 5 s
        data["boards"], state["boards_at"] = _boards(), now
    cache.set(STATE_KEY, state, None)
    events.publish_to_page(page=page_name(), type="workshop.tick", data=data)
    return {"added": added}


def reset() -> None:
    """Forget the console's state (counters are counted again, the stream starts over)."""
    cache.delete(STATE_KEY)


def _state() -> dict:
    return cache.get(STATE_KEY) or {"cursors": {}, "counts": {}, "lines": [], "recounted": 0.0}


def _advance(state: dict) -> tuple[dict[str, int], list[dict]]:
    """Read every source after its cursor; update `state`; (rows added per source, new lines oldest first)."""
    now = clock.now().timestamp()
    recount = (
        now - state["recounted"] > RECOUNT_SECONDS or now < state["recounted"]
    )  # (or the clock went back)
    added, lines = {}, []
    for source in activity.sources():
        try:
            cursor = state["cursors"].get(source.key)
            batch = source.since(cursor)
            if cursor is None or recount:
                state["counts"][source.key] = source.count()
            else:
                state["counts"][source.key] = state["counts"].get(source.key, 0) + batch.added
            state["cursors"][source.key] = batch.cursor
            added[source.key] = batch.added
            lines.extend(batch.lines)
        except Exception:  # one feature's failure must not blank the console
            log.exception("workshop console: source %s failed", source.key)
    if recount:
        state["recounted"] = now
    lines.sort(key=lambda line: line["at"] or "")
    state["lines"] = (state["lines"] + lines)[-KEEP_LINES:]
    return added, lines


def _boards() -> list[dict]:
    found = []
    for board in activity.boards():
        try:
            found.append({"key": board.key, "label": str(board.label), "rows": board.read()})
        except Exception:
            log.exception("workshop console: board %s failed", board.key)
    return found
