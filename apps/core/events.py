"""The one way to publish a realtime event.

Services call `publish()` inside their transaction; the event leaves only after the commit, so
nobody hears of a change that was rolled back. Each person's open tabs share the group
`user.<id>`. The database stays the truth: an event is a hint to update now, and clients re-sync
from the server after a reconnect.
"""

import json
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def publish(*, user_ids: Iterable[int], type: str, data: dict[str, Any]) -> None:
    """Send event `type` with `data` to every open tab of `user_ids` once the transaction commits."""
    # Serialise now, once per event (not per recipient), so a bad payload fails in the service.
    payload = json.loads(json.dumps({"type": type, "data": data}, cls=DjangoJSONEncoder))
    recipients = sorted(set(user_ids))
    if recipients:
        # robust: a layer outage (Redis restarting) must not turn a stored, committed change into an
        # error for its author; it is logged, and clients catch up from the database.
        transaction.on_commit(lambda: deliver(recipients, payload), robust=True)


# Set by the websocket consumer around a request's handler: events committed by the handler wait here
# and leave after the ack, from the consumer's event loop (store, ack, then broadcast), instead of the
# handler's worker thread blocking on the loop once per event.
outbox: ContextVar[list | None] = ContextVar("events_outbox", default=None)


def _layer_message(event: dict[str, Any]) -> dict[str, Any]:
    # Serialised once here, not once per receiving tab; only the text travels, as layers copy
    # (in-memory: deepcopy per receiver) or pack every message.
    return {"type": "event.push", "text": json.dumps(event, ensure_ascii=False)}


def deliver(user_ids: list[int], event: dict[str, Any]) -> None:
    """Hand a committed event to the channel layer (tests replace this to capture events)."""
    pending = outbox.get()
    if pending is not None:
        pending.append((user_ids, event))
        return
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        message = _layer_message(event)
        for user_id in user_ids:
            await layer.group_send(user_group(user_id), message)

    async_to_sync(send_all)()


async def deliver_async(items: list[tuple[list[int], dict[str, Any]]]) -> None:
    """Send events held back during a websocket request, in order, from the event loop."""
    layer = get_channel_layer()
    if layer is None:
        return
    for user_ids, event in items:
        message = _layer_message(event)
        for user_id in user_ids:
            await layer.group_send(user_group(user_id), message)
