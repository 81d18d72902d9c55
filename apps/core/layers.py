"""The in-memory channel layer, with its expiry sweep run at most once a second and a cheap fan-out.

Channels' InMemoryChannelLayer sweeps every channel and every group membership for expired entries on
each send to a group and on each receive: O(open sockets) per operation, so a message to a 200-member
group (200 per-person groups, 200 receives) costs 200 × 400 sweep steps before anything is delivered.
Sweeping once a second keeps the same expiry (messages after `expiry`, memberships after `group_expiry`;
the consumer's heartbeat re-joins) at a fixed cost. See docs/performance.md (chat fan-out).

It also delivers a group message without a task, an `as_completed` queue and a deep copy per receiver
(the stock layer's way; each receiver still gets its own dict), builds a channel's queue only when the
channel has none, and offers `group_send_many` so one event to 200 people's groups is one pass
(apps.core.events uses it). Profiled in docs/architecture.md ("Websocket concurrency").
"""

import asyncio
import time
from copy import deepcopy

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as StockInMemoryChannelLayer

_PLAIN = (str, int, float, bool, type(None), bytes)


def _copier(message: dict):
    # A message of plain values (ours: a type and one JSON text) needs a new dict per receiver, not a deep copy.
    if all(isinstance(v, _PLAIN) for v in message.values()):
        return dict
    return deepcopy


class InMemoryChannelLayer(StockInMemoryChannelLayer):
    def __init__(self, *args, sweep_interval: float = 1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.sweep_interval = sweep_interval
        self._last_sweep = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._last_sweep < self.sweep_interval:
            return
        self._last_sweep = now
        super()._clean_expired()

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, _copier(message)(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def receive(self, channel):
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._queue(channel)
        try:
            _, message = await queue.get()
        finally:
            if queue.empty():
                self.channels.pop(channel, None)
        return message

    async def group_send(self, group, message):
        await self.group_send_many([group], message)

    async def group_send_many(self, groups, message):
        """Send `message` to every channel of every group in `groups`; a full channel misses it (as group_send)."""
        assert isinstance(message, dict), "Message is not a dict"
        for group in groups:
            self.require_valid_group_name(group)
        self._clean_expired()
        copy = _copier(message)
        expires = time.time() + self.expiry
        for group in groups:
            for channel in self.groups.get(group, ()):
                try:  # noqa: SIM105 - once per delivery: cheaper than contextlib.suppress
                    self._queue(channel).put_nowait((expires, copy(message)))
                except asyncio.QueueFull:
                    pass


# --- channels-redis pub/sub with one PUBLISH per event ----------------------------------------------------

try:
    import msgpack
    from channels_redis.pubsub import RedisPubSubChannelLayer as StockRedisPubSubChannelLayer
    from channels_redis.pubsub import RedisPubSubLoopLayer, RedisSingleShardConnection
    from channels_redis.utils import _wrap_close
except ImportError:  # channels-redis is optional for the one-process setup
    StockRedisPubSubChannelLayer = None

if StockRedisPubSubChannelLayer is not None:

    class _FanoutShard(RedisSingleShardConnection):
        def _receive_message(self, message):
            layer = self.channel_layer
            if message is not None and message["channel"] in layer.fanout_names:
                groups, data = msgpack.unpackb(message["data"])
                for group in groups:
                    for channel in layer.groups.get(group, ()):
                        queue = layer.channels.get(channel)
                        if queue is not None:
                            queue.put_nowait(data)
                return
            super()._receive_message(message)

    class _FanoutLoopLayer(RedisPubSubLoopLayer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._shards = [_FanoutShard(shard.host, self) for shard in self._shards]
            self.fanout = f"{self.prefix}__fanout"
            self.fanout_names = {self.fanout, self.fanout.encode()}

        async def group_add(self, group, channel):
            await super().group_add(group, channel)
            await self._shards[0].subscribe(self.fanout)  # once per worker (subscribe skips repeats)

        async def group_send_many(self, groups, message):
            names = [self._get_group_channel_name(group) for group in groups]
            data = msgpack.packb([names, self.channel_layer.serialize(message)])
            await self._shards[0].publish(self.fanout, data)

    class RedisPubSubChannelLayer(StockRedisPubSubChannelLayer):
        """channels-redis pub/sub, plus `group_send_many`: one event to 200 people's groups is one PUBLISH.

        Per-person groups make the stock layer publish once per person, and every worker then parses 200
        pub/sub messages for one event (1.45× the minimal consumer's CPU per delivery on two workers).
        Here every worker gets one message naming the groups and hands it to its own members of them.
        """

        def _get_layer(self):
            loop = asyncio.get_running_loop()
            layer = self._layers.get(loop)
            if layer is None:
                layer = self._layers[loop] = _FanoutLoopLayer(*self._args, **self._kwargs, channel_layer=self)
                _wrap_close(self, loop)
            return layer

        async def group_send_many(self, groups, message):
            await self._get_layer().group_send_many(groups, message)
