"""Apply expiries reliably: an asyncio task, started with the server, runs `wallet_expire_due` every 30 s.

The one home for periodic work: refunds happen here and in the actions that meet an expired transfer or
packet (accept, return, grab); a page only shows that it expired.

`lifespan` is an ASGI lifespan app (uvicorn's lifespan "auto" calls it under `make demo`); with several
worker processes each runs a sweeper, which is safe because every expiry is a conditional update.
"""

import asyncio
import contextlib
import logging

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from apps.wallet.services import wallet_expire_due

log = logging.getLogger(__name__)
INTERVAL = 30
_task: asyncio.Task | None = None


def sweep_once() -> dict:
    close_old_connections()
    try:
        return wallet_expire_due()
    finally:
        close_old_connections()


async def _loop(interval: float) -> None:
    while True:
        try:
            await sync_to_async(sweep_once, thread_sensitive=False)()
        except Exception:  # keep sweeping: a bad row must not stop every later expiry
            log.exception("wallet sweeper failed")
        await asyncio.sleep(interval)


def start(interval: float = INTERVAL) -> None:
    """Start the sweeper in this event loop once."""
    global _task
    if _task is None or _task.done():
        _task = asyncio.get_running_loop().create_task(_loop(interval))


async def stop() -> None:
    global _task
    if _task is not None:
        _task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await _task
        _task = None


async def lifespan(scope, receive, send) -> None:
    """ASGI lifespan: start the sweeper at startup, stop it at shutdown."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await stop()
            await send({"type": "lifespan.shutdown.complete"})
            return
