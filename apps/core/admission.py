"""Admission control for HTTP: at most `limit` requests of a worker run Django's (threaded) code at once,
each on one of `limit` long-lived threads ("lanes").

Django runs each HTTP request in a thread of its own. A burst (500 people grabbing a red packet, 10 payers
beside a chatting room) would otherwise be hundreds of threads taking turns on one GIL with the event loop
that delivers the room's messages, and on SQLite hundreds of writers polling one write lock. Waiting here,
in the event loop, costs nothing; the few requests let in finish sooner, and the loop keeps its turn.

A lane is a one-thread executor kept for the life of the worker, handed to Django through asgiref's
`ThreadSensitiveContext(executor=...)` (Django's own context then reuses it). A request therefore starts no
thread and, with CONN_MAX_AGE, opens no database connection: both used to be paid on every request (a new
thread, a new SQLite connection with its functions registered), a third of a small request's CPU.
Websockets do not pass through this: their actions have their own bounded pool (apps.core.consumers).

`SyncChainASGIHandler` is Django's ASGI handler with its middleware chain built as under WSGI: every view and
middleware here is synchronous, so the request enters Django's code once instead of hopping between the event
loop and its thread for each async-capable middleware (13–17 round trips a request, measured:
bench/bench_http_entry.py, tests/core/test_admission.py).
"""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler

from apps.core import events

logger = logging.getLogger(__name__)


class SyncChainASGIHandler(ASGIHandler):
    """Run the whole middleware chain and view in one call on the request's thread.

    Under ASGI Django builds an async chain: each async-capable middleware (most of Django's) runs its
    request and response halves through `sync_to_async`, and a sync-only one in between (WhiteNoise, ours)
    turns it back with `async_to_sync`. With only sync code that is pure overhead: 13–17 thread hops a request,
    over half of a small request's event-loop time. Built sync, it is one hop (an async view, should one
    appear, is still run by Django's `async_to_sync`).
    """

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)


async def _deliver(held: list) -> None:
    try:
        await events.deliver_async(held)
    except Exception:  # a layer outage: logged; clients catch up from the database
        logger.exception("delivering an HTTP request's events failed")


class BoundedHTTP:
    """ASGI middleware: hold HTTP requests beyond `limit` in line until a lane is free, then run the
    request's synchronous code on that lane's thread."""

    def __init__(self, app, *, limit: int):
        self.app = app
        self.limit = limit
        self._lanes: dict[asyncio.AbstractEventLoop, asyncio.Queue] = {}

    def _lanes_of(self, loop) -> asyncio.Queue:
        lanes = self._lanes.get(loop)
        if lanes is None:
            lanes = self._lanes[loop] = asyncio.Queue()
            for n in range(self.limit):
                lanes.put_nowait(ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"http-lane-{n}"))
        return lanes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        lanes = self._lanes_of(asyncio.get_running_loop())
        lane = await lanes.get()  # FIFO: first come, first served
        # Events the request commits wait here and leave from this loop once its lane is free, as a websocket
        # action's do: otherwise the lane's thread blocks on the loop (async_to_sync) once per event.
        held: list = []
        token = events.outbox.set(held)
        try:
            async with ThreadSensitiveContext(executor=lane):
                return await self.app(scope, receive, send)
        finally:
            events.outbox.reset(token)
            lanes.put_nowait(lane)
            if held:
                await _deliver(held)
