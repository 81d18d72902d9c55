"""The one websocket consumer: one per browser tab, carrying every feature's events.

Concurrency: each connection handles its frames one at a time (Channels dispatches a consumer's
messages in order), so a tab gets its acks in the order of its requests and the events a request caused
after its ack. Different connections run their actions in parallel in one bounded thread pool
(`ACTION_THREADS`, each thread keeping at most one database connection); a conversation's sequence is
serialised by the database (a row lock on PostgreSQL, IMMEDIATE transactions on SQLite), not by a thread.
See docs/architecture.md ("Websocket concurrency") for why and the measurements.
"""

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor

from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

from apps.core import badges, events, realtime
from apps.core.errors import DomainError
from apps.core.events import page_group, user_group

logger = logging.getLogger(__name__)

MAX_FRAME_CHARS = 64 * 1024
SESSION_ENDED = 4401  # close code: the session behind this socket no longer holds; the tab logs in again
# Threads for websocket actions, shared by every connection of this process. Enough to overlap database
# waits of different connections; few enough that their database connections stay well inside the
# server's (and the PostgreSQL pool's) limit.
ACTION_THREADS = settings.REALTIME_ACTION_THREADS
_actions = ThreadPoolExecutor(max_workers=ACTION_THREADS, thread_name_prefix="ws-action")
RECHECK_AT_MOST = 6 * 3600.0  # seconds: re-read the session's expiry at least this often


# Channel names of this process's sockets that are open or still finishing their disconnect: a server
# (or a test) can wait for every socket's last database work to end before it stops.
_open_sockets: set[str] = set()


def open_sockets() -> frozenset[str]:
    """The channel names of this process's sockets that are open or still finishing their disconnect."""
    return frozenset(_open_sockets)


def in_pool(func):
    """`func` as a coroutine run in the shared action pool, with Django's connection hygiene around it."""
    return DatabaseSyncToAsync(func, thread_sensitive=False, executor=_actions)


def _has_lone_surrogate(value) -> bool:
    # JSON escapes can smuggle half a surrogate pair in; such text can be neither stored nor sent back.
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


class RealtimeConsumer(AsyncWebsocketConsumer):
    """Joins the person's group, pushes their events, and answers their requests with ack or error."""

    ended = False
    _timer = None
    _expiry = None
    _generation = None
    _hooked = False
    pages: frozenset = frozenset()  # live pages this tab joined (apps.core.realtime.page)

    async def dispatch(self, message):
        # Channels' dispatch first closes stale database connections by a hop to its one shared sync
        # thread, for every message: for a group of 200 that is one hop per delivery, all queued on one
        # thread, and chat actions used to wait behind them. This consumer uses the database only in the
        # action pool, whose calls close stale connections themselves (DatabaseSyncToAsync).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        user = self.scope.get("user")
        session = self.scope.get("session")
        if user is None or not user.is_authenticated or not user.is_active or session is None:
            # Accept, then close: a refused handshake reaches the page as a bare 1006 and it would retry
            # forever; 4401 tells it to log in.
            await self.accept()
            await self.close(code=SESSION_ENDED)
            return
        _open_sockets.add(self.channel_name)
        self.user = user
        self.session_key = session.session_key
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        expiry, hello = await in_pool(self._opened)()
        if expiry is None:
            await self.end_session()
            return
        self._arm_timer(expiry)
        await self.send_event({"type": "hello", "data": hello})

    def _opened(self):
        self._generation = realtime.session_marks(self.user.pk, self.session_key)[0]
        expiry = realtime.session_expiry(self.session_key)
        if expiry is None:
            return None, None
        for hook in realtime.connect_hooks():
            hook(user=self.user)
        self._hooked = True  # the disconnect hooks (presence: one tab fewer) then balance these
        return expiry, {"badges": badges.counts_for(self.user)}

    async def disconnect(self, code):
        try:
            if self._timer is not None:
                self._timer.cancel()
            if getattr(self, "group", None):
                await self.channel_layer.group_discard(self.group, self.channel_name)
            for page in self.pages:
                await self.channel_layer.group_discard(page_group(page), self.channel_name)
            if self._hooked:
                await in_pool(self._closed)()
        finally:
            _open_sockets.discard(self.channel_name)

    def _closed(self) -> None:
        for hook in realtime.disconnect_hooks():
            hook(user=self.user)

    # --- Requests ------------------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.ended:
            return  # closed for a lapsed session: nothing more is accepted
        if text_data is None:
            await self.send_error(None, "malformed", _("Only text messages are understood here."))
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.send_error(None, "too_large", _("That message is too large."))
            return
        try:
            request = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
            request = None
        if not isinstance(request, dict) or not isinstance(request.get("type"), str):
            await self.send_error(None, "malformed", _("That request could not be read."))
            return
        ref = request.get("ref")
        if isinstance(ref, bool) or not isinstance(ref, (str, int)):
            ref = None
        if _has_lone_surrogate(request):
            if _has_lone_surrogate(ref):
                ref = None  # it cannot be sent back
            await self.send_error(ref, "malformed", _("That request contains text that is not valid."))
            return
        if request["type"] == "ping":
            # Re-join on every heartbeat: a restarted Redis forgets group memberships (the core
            # channels-redis layer) and the in-memory layer expires them after a day; this brings
            # live delivery back within one heartbeat without a reload. Adding twice is harmless.
            await self.channel_layer.group_add(self.group, self.channel_name)
            for page in self.pages:
                await self.channel_layer.group_add(page_group(page), self.channel_name)
            await self.send_event({"type": "pong", "ref": ref})
            return
        if request["type"] in ("join", "leave"):
            await self.join_or_leave(request["type"], request.get("data"), ref)
            return
        handler = realtime.handler_for(request["type"])
        data = request.get("data") or {}
        if handler is None or not isinstance(data, dict):
            await self.send_error(ref, "unknown", _("That request is not understood."))
            return
        held: list = []
        token = events.outbox.set(held)
        try:
            result = await in_pool(self._act)(handler, data)
        except DomainError as exc:
            await self.send_error(ref, exc.code, str(exc.message))
        except PermissionDenied:
            await self.send_error(ref, "forbidden", _("You can't do that."))
        except Exception:
            logger.exception("websocket handler %s failed", request["type"])
            await self.send_error(ref, "server_error", _("Something went wrong. Please try again."))
        else:
            if result is _ENDED:
                await self.end_session()
                return
            await self.send_event({"type": "ack", "ref": ref, "data": result or {}})
        finally:
            events.outbox.reset(token)
        if held:
            try:
                await events.deliver_async(held)
            except Exception:  # a layer outage: logged; clients catch up from the database
                logger.exception("delivering events of %s failed", request["type"])

    async def join_or_leave(self, kind: str, data, ref) -> None:
        """Join or leave live pages (`{"page": name}` or `{"pages": [names]}`): events for what everybody sees
        alike (the hot-search list, a post's counts) go to one group of the tabs showing it, not to every person.
        Only registered pages, at most MAX_PAGES_PER_TAB joined at once; all are left when the tab closes."""
        data = data if isinstance(data, dict) else {}
        names = data.get("pages") if "pages" in data else [data.get("page")]
        if (
            not isinstance(names, list)
            or not names
            or len(names) > realtime.MAX_PAGES_PER_TAB
            or not all(realtime.is_page(n) for n in names)
        ):
            await self.send_error(ref, "unknown", _("That request is not understood."))
            return
        names = set(names)
        if kind == "leave":
            for page in names & self.pages:
                await self.channel_layer.group_discard(page_group(page), self.channel_name)
            self.pages = self.pages - names
        else:
            if len(self.pages | names) > realtime.MAX_PAGES_PER_TAB:
                await self.send_error(ref, "too_many", _("This tab follows too many live pages."))
                return
            for page in names - self.pages:
                await self.channel_layer.group_add(page_group(page), self.channel_name)
            self.pages = self.pages | names
        await self.send_event({"type": "ack", "ref": ref, "data": {}})

    def _act(self, handler, data):
        if self.ended or not self._still_valid():
            return _ENDED
        return handler(user=self.user, data=data)

    def _still_valid(self) -> bool:
        """Cheap unless something changed: the session may have ended a moment ago on another worker,
        and the word to this tab (session_check) not have arrived yet."""
        if realtime.seconds_until(self._expiry) <= 0:
            return False
        generation, logged_out = realtime.session_marks(self.user.pk, self.session_key)
        if logged_out:
            return False
        if generation != self._generation:
            if realtime.session_user(user_id=self.user.pk, session_key=self.session_key) is None:
                return False
            self._generation = generation
        return True

    # --- Sessions --------------------------------------------------------------------------------------

    async def session_check(self, message):
        """Re-check the session (see apps.core.realtime.sessions_changed, and the expiry timer)."""
        if self.ended:
            return
        if "ended" in message:
            # Logout of one session: its row may not be deleted yet when the word arrives.
            if self.session_key in message["ended"]:
                await self.end_session()
            return
        expiry = await in_pool(self._session_expiry_if_valid)()
        if expiry is None:
            await self.end_session()
        else:
            self._arm_timer(expiry)

    def _session_expiry_if_valid(self):
        generation, logged_out = realtime.session_marks(self.user.pk, self.session_key)
        if logged_out or realtime.session_user(user_id=self.user.pk, session_key=self.session_key) is None:
            return None
        self._generation = generation
        return realtime.session_expiry(self.session_key)

    def _arm_timer(self, expiry) -> None:
        self._expiry = expiry
        if self._timer is not None:
            self._timer.cancel()
        delay = min(max(realtime.seconds_until(expiry), 0) + 0.05, RECHECK_AT_MOST)
        self._timer = asyncio.get_running_loop().call_later(delay, self._expiry_due)

    def _expiry_due(self) -> None:
        # Through the channel, not a task of its own: it then waits its turn behind any running action.
        self._due = asyncio.ensure_future(
            self.channel_layer.send(self.channel_name, {"type": realtime.SESSION_CHECK})
        )

    async def end_session(self) -> None:
        self.ended = True
        if self._timer is not None:
            self._timer.cancel()
        await self.send_event(
            {"type": "session.ended", "data": {"login_url": resolve_url(settings.LOGIN_URL)}}
        )
        await self.close(code=SESSION_ENDED)

    async def badges_refresh(self, message):
        """Count this person's badges and show them (see apps.core.badges.refresh_for)."""
        if self.ended:
            return
        counts = await in_pool(badges.counts_for)(self.user)
        await self.send_event({"type": "badges", "data": counts})

    # --- Events ----------------------------------------------------------------------------------------

    async def event_push(self, message):
        """A published event for this person (see apps.core.events), already serialised once for all."""
        if not self.ended:
            await self.send(text_data=message["text"])

    async def send(self, text_data=None, bytes_data=None, close=False):
        try:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except OSError:
            # The tab closed a moment ago (Uvicorn raises ClientDisconnected on the push): its disconnect
            # follows, and must still run (presence, the group), so this push must not end the consumer.
            logger.debug("push to a closed websocket dropped")

    async def send_event(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event, ensure_ascii=False))

    async def send_error(self, ref, code: str, message: str) -> None:
        await self.send_event({"type": "error", "ref": ref, "data": {"code": code, "message": message}})


_ENDED = object()  # what `_act` returns when the session behind the socket no longer holds
