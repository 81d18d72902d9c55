"""Admission control for HTTP: at most `limit` requests of a worker run Django's (threaded) code at once.

Django runs each HTTP request in a thread of its own. A burst (500 people grabbing a red packet, 10 payers
beside a chatting room) would otherwise be hundreds of threads taking turns on one GIL with the event loop
that delivers the room's messages, and on SQLite hundreds of writers polling one write lock. Waiting here,
in the event loop, costs nothing; the few requests let in finish sooner, and the loop keeps its turn.
Websockets do not pass through this: their actions have their own bounded pool (apps.core.consumers).
"""

import asyncio


class BoundedHTTP:
    """ASGI middleware: hold HTTP requests beyond `limit` in line until one of the running ones finishes."""

    def __init__(self, app, *, limit: int):
        self.app = app
        self.limit = limit
        self._slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.limit)
        async with slots:
            return await self.app(scope, receive, send)
