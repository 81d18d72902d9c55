"""The channel layers' fan-out: one event to many people's groups reaches each of their channels once."""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from apps.core.layers import InMemoryChannelLayer, RedisPubSubChannelLayer
from tests.conftest import redis_url_or_skip


def run(coroutine):
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps a loop in the main thread."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


async def fan_out(layer) -> dict[str, list]:
    channels = {name: await layer.new_channel() for name in ("ann", "ann2", "bob", "cat")}
    for name, channel in channels.items():
        await layer.group_add(f"user.{name.rstrip('2')}", channel)
    await layer.group_send_many(["user.ann", "user.bob", "user.nobody"], {"type": "event.push", "text": "hi"})
    await layer.group_send_many(["user.bob"], {"type": "event.push", "text": "second"})

    async def drain(channel):
        got = []
        while True:
            try:
                got.append((await asyncio.wait_for(layer.receive(channel), 0.5))["text"])
            except TimeoutError:
                return got

    return {name: await drain(channel) for name, channel in channels.items()}


def test_in_memory_fan_out_reaches_each_member_once_in_order():
    got = run(fan_out(InMemoryChannelLayer()))
    assert got == {"ann": ["hi"], "ann2": ["hi"], "bob": ["hi", "second"], "cat": []}


def test_redis_fan_out_reaches_each_member_once_in_order():
    url = redis_url_or_skip()
    layer = RedisPubSubChannelLayer(hosts=[url], prefix=f"t_realtime_layers{os.getpid()}")

    async def fan_out_then_flush():
        try:
            return await fan_out(layer)
        finally:
            await layer.flush()

    assert run(fan_out_then_flush()) == {"ann": ["hi"], "ann2": ["hi"], "bob": ["hi", "second"], "cat": []}


def test_receivers_get_their_own_copy():
    layer = InMemoryChannelLayer()

    async def two_receivers():
        a, b = await layer.new_channel(), await layer.new_channel()
        for channel in (a, b):
            await layer.group_add("g", channel)
        await layer.group_send_many(["g"], {"type": "x", "text": "t"})
        first = await layer.receive(a)
        first["text"] = "changed by one consumer"
        return (await layer.receive(b))["text"]

    assert run(two_receivers()) == "t"
