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

try:
    from channels_redis.pubsub import RedisPubSubChannelLayer
except ImportError:  # channels-redis is optional for the one-process setup
    RedisPubSubChannelLayer = None


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def page_group(page: str) -> str:
    """The group of the tabs that have live page `page` open (see apps.core.realtime.page)."""
    return f"page.{page}"


def publish(*, user_ids: Iterable[int], type: str, data: dict[str, Any]) -> None:
    """Send event `type` with `data` to every open tab of `user_ids` once the transaction commits."""
    # Serialise now, once per event (not per recipient), so a bad payload fails in the service.
    payload = json.loads(json.dumps({"type": type, "data": data}, cls=DjangoJSONEncoder))
    recipients = sorted(set(user_ids))
    if recipients:
        # robust: a layer outage (Redis restarting) must not turn a stored, committed change into an
        # error for its author; it is logged, and clients catch up from the database.
        transaction.on_commit(lambda: deliver(recipients, payload), robust=True)


def publish_to_page(*, page: str, type: str, data: dict[str, Any]) -> None:
    """Send event `type` with `data` to every tab that has live page `page` open, once the transaction commits.

    For what everybody sees alike (the hot-search list): one group send, however many people watch.
    """
    payload = json.loads(json.dumps({"type": type, "data": data}, cls=DjangoJSONEncoder))
    transaction.on_commit(lambda: deliver_page(page, payload), robust=True)


def deliver_page(page: str, event: dict[str, Any]) -> None:
    """Hand a committed page event to the channel layer (tests replace this to capture events)."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(page_group(page), _layer_message(event))


# Set by the websocket consumer around a request's handler: events committed by the handler wait here
# and leave after the ack, from the consumer's event loop (store, ack, then broadcast), instead of the
# handler's worker thread blocking on the loop once per event.
outbox: ContextVar[list | None] = ContextVar("events_outbox", default=None)


def _layer_message(event: dict[str, Any]) -> dict[str, Any]:
    # Serialised once here, not once per receiving tab; only the text travels, as layers copy
    # (in-memory: deepcopy per receiver) or pack every message.
    return {"type": "event.push", "text": json.dumps(event, ensure_ascii=False)}


async def _send_to_groups(layer, groups: list[str], message: dict[str, Any]) -> None:
    """group_send to many groups; on Redis pub/sub, one pipelined round trip per shard instead of one each.

    Per-person groups turn a message to a 200-member group into 200 PUBLISHes; sent one by one behind
    channels-redis's connection lock they cost 200 round trips and held every other send back (see the
    chat fan-out figures in docs/performance.md). This uses channels-redis 4's pub/sub internals and
    falls back to plain group_send if they change.
    """
    if hasattr(layer, "group_send_many"):  # apps.core.layers: one pass (in memory) or one PUBLISH (Redis)
        await layer.group_send_many(groups, message)
        return
    if RedisPubSubChannelLayer is not None and isinstance(layer, RedisPubSubChannelLayer) and len(groups) > 1:
        try:
            loop_layer = layer._get_layer()
            data = layer.serialize(message)
            by_shard: dict[Any, list[str]] = {}
            for group in groups:
                name = loop_layer._get_group_channel_name(group)
                by_shard.setdefault(loop_layer._get_shard(name), []).append(name)
            shards = [(shard, shard._lock, shard._ensure_redis) for shard in by_shard]
        except AttributeError:
            shards = None
        if shards is not None:
            for shard, lock, ensure_redis in shards:
                async with lock:
                    ensure_redis()
                    pipe = shard._redis.pipeline(transaction=False)
                    for name in by_shard[shard]:
                        pipe.publish(name, data)
                    await pipe.execute()
            return
    for group in groups:
        await layer.group_send(group, message)


def deliver(user_ids: list[int], event: dict[str, Any]) -> None:
    """Hand a committed event to the channel layer (tests replace this to capture events)."""
    _send(user_ids, _layer_message(event))


def tell_tabs(*, user_ids: Iterable[int], kind: str, **fields: Any) -> None:
    """Once the transaction commits, run consumer method `kind` (given `fields`) in every open tab of `user_ids`.

    Not an event for the page: a word to the consumers themselves (apps.core.realtime.sessions_changed
    asks them to re-check their session). It travels the same groups, so it reaches every worker.
    """
    recipients = sorted(set(user_ids))
    message = {**fields, "type": kind}
    transaction.on_commit(lambda: _send(recipients, message), robust=True)


def _send(user_ids: list[int], message: dict[str, Any]) -> None:
    pending = outbox.get()
    if pending is not None:
        pending.append((user_ids, message))
        return
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        await _send_to_groups(layer, [user_group(u) for u in user_ids], message)

    async_to_sync(send_all)()


async def deliver_async(items: list[tuple[list[int], dict[str, Any]]]) -> None:
    """Send the layer messages held back during a websocket request, in order, from the event loop."""
    layer = get_channel_layer()
    if layer is None:
        return
    for user_ids, message in items:
        await _send_to_groups(layer, [user_group(u) for u in user_ids], message)
