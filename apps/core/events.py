"""The one way to publish a realtime event.

Services call `publish()` inside their transaction; the event leaves only after the commit, so
nobody hears of a change that was rolled back. Each person's open tabs share the group
`user.<id>`. The database stays the truth: an event is a hint to update now, and clients re-sync
from the server after a reconnect.
"""

import json
from collections.abc import Iterable
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


def deliver(user_ids: list[int], event: dict[str, Any]) -> None:
    """Hand a committed event to the channel layer (tests replace this to capture events)."""
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        # Serialised once here, not once per receiving tab (a 500-member group's message is one dumps).
        # Only the text travels: layers copy (in-memory: deepcopy per receiver) or pack each message.
        message = {"type": "event.push", "text": json.dumps(event, ensure_ascii=False)}
        for user_id in user_ids:
            await layer.group_send(user_group(user_id), message)

    async_to_sync(send_all)()
