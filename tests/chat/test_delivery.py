"""The delivery guarantee under load, on the real server (Uvicorn) with real websocket clients.

50 members each send 5 messages at once into one group; every client ends with all 250 messages,
in order, once each: the live events are the fast path, and a hole in the sequence is filled by
`chat.sync` (the layer can drop when a receiver's queue is full; the database never does).
"""

import asyncio
import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from apps.accounts.models import User
from apps.chat.models import Conversation, Membership
from apps.core import clock
from bench.chatclient import ChatClient
from tests.conftest import _free_port, need_service

CLIENTS, EACH = 50, 5


def cookie_for(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def make_group(n: int, prefix: str = "burst") -> tuple[Conversation, list[str]]:
    users = User.objects.bulk_create(
        [
            User(username=f"{prefix}{i}", public_id=f"{prefix}{i:04d}", display_name=f"Burst {i}")
            for i in range(n)
        ]
    )
    users = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    conv = Conversation.objects.create(kind="group", name="Burst", owner=users[0], created_at=clock.now())
    Membership.objects.bulk_create(
        [Membership(conversation=conv, user=u, joined_at=clock.now()) for u in users]
    )
    return conv, [cookie_for(u) for u in users]


async def settle(clients: list[ChatClient], total: int, quiet: float = 1.0, limit: float = 10) -> None:
    """Wait until every client has `total` messages, or nothing new arrived for `quiet` seconds."""
    deadline = time.monotonic() + limit
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline and any(len(c.by_seq) < total for c in clients):
        count = sum(len(c.by_seq) for c in clients)
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since > quiet:
            return
        await asyncio.sleep(0.05)


async def burst(base: str, conversation: int, cookies: list[str], each: int) -> list[ChatClient]:
    clients = [ChatClient(base, cookie, conversation) for cookie in cookies]
    await asyncio.gather(*(c.connect() for c in clients))

    async def send_all(index: int, client: ChatClient):
        acks = await asyncio.gather(
            *(client.send_text(f"c{index} m{k}", client_id=f"{index}-{k}") for k in range(each))
        )
        assert all(a["type"] == "ack" for a in acks), acks

    await asyncio.gather(*(send_all(i, c) for i, c in enumerate(clients)))
    total = len(clients) * each
    await settle(clients, total)
    # Whatever the layer did not bring, the sequence reveals and chat.sync fetches.
    await asyncio.gather(*(c.sync() for c in clients if c.contiguous < total))
    await asyncio.gather(*(c.close() for c in clients))
    await asyncio.sleep(0.5)  # let the server finish its disconnects before the test database is flushed
    return clients


def check(clients: list[ChatClient], total: int) -> None:
    for client in clients:
        ordered = client.ordered()
        assert [m["seq"] for m in ordered] == list(range(1, total + 1))
        assert len({m["id"] for m in ordered}) == total
        assert client.duplicate_events == 0
    # Per sender, messages keep the order they were acknowledged in (one client's sends are serialised).
    texts = [m["text"] for m in clients[0].ordered()]
    assert len(set(texts)) == total


def test_burst_50_clients_5_messages_each_everyone_gets_all_250_in_order_once(live_url):
    conv, cookies = make_group(CLIENTS)
    clients = asyncio.run(burst(live_url, conv.pk, cookies, EACH))
    check(clients, CLIENTS * EACH)
    live = sum(c.live_events for c in clients)
    print(f"\nlive deliveries {live} of {CLIENTS * CLIENTS * EACH}; the rest by chat.sync")


def test_burst_survives_a_tiny_layer_capacity(live_url, settings):
    """With the layer's queues shrunk to 20, live events are dropped, and still nothing is lost."""
    from channels.layers import InMemoryChannelLayer, channel_layers

    layer = channel_layers["default"]
    if not isinstance(layer, InMemoryChannelLayer):
        pytest.skip("only the in-memory layer's capacity can be shrunk in place")
    old = layer.capacity
    layer.capacity = 20
    try:
        conv, cookies = make_group(20, prefix="tiny")
        clients = asyncio.run(burst(live_url, conv.pk, cookies, EACH))
    finally:
        layer.capacity = old
    check(clients, 20 * EACH)
    print(
        f"\nlive deliveries {sum(c.live_events for c in clients)} of {20 * 20 * EACH}; the rest by chat.sync"
    )


# --- channels-redis -------------------------------------------------------------------------------------


@contextmanager
def redis_layer(url: str, prefix: str):
    """Serve the live server's websockets through a channels-redis pub/sub layer for the block."""
    from channels.layers import channel_layers
    from channels_redis.pubsub import RedisPubSubChannelLayer

    previous = channel_layers.backends.get("default")
    channel_layers.backends["default"] = RedisPubSubChannelLayer(hosts=[url], prefix=prefix)
    try:
        yield
    finally:
        channel_layers.backends["default"] = previous


def redis_url_or_skip() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    host, port = url.split("//", 1)[1].split("/")[0].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        need_service(f"Redis is not reachable at {url}")
    return url


def test_burst_on_channels_redis(live_url):
    url = redis_url_or_skip()
    conv, cookies = make_group(CLIENTS, prefix="redis")
    with redis_layer(url, prefix=f"chattest{os.getpid()}"):
        clients = asyncio.run(burst(live_url, conv.pk, cookies, EACH))
    check(clients, CLIENTS * EACH)


def test_live_delivery_recovers_after_a_redis_restart(live_url, tmp_path):
    """A Redis restart drops every subscription; the layer re-subscribes and new messages arrive live."""
    server = shutil.which("redis-server")
    if not server:
        need_service("redis-server is not installed (needed to restart a private Redis)")
    port = _free_port()

    def start():
        return subprocess.Popen(
            [server, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_up():
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    redis = start()
    wait_up()
    conv, cookies = make_group(2, prefix="restart")
    try:
        with redis_layer(f"redis://127.0.0.1:{port}/0", prefix="restart"):

            async def scenario():
                a, b = ChatClient(live_url, cookies[0], conv.pk), ChatClient(live_url, cookies[1], conv.pk)
                await asyncio.gather(a.connect(), b.connect())
                await a.send_text("before", client_id="x0")
                await settle([b], 1, limit=5)
                assert len(b.by_seq) == 1
                redis.terminate()
                redis.wait(5)
                restarted = start()
                wait_up()
                # Messages sent now are stored and acknowledged; live delivery comes back within seconds.
                recovered_at = None
                for n in range(1, 40):
                    answer = await a.send_text(f"after {n}", client_id=f"x{n}")
                    assert answer["type"] == "ack"
                    await asyncio.sleep(0.25)
                    if b.live_events >= 2:
                        recovered_at = n
                        break
                await b.sync()  # and anything sent while Redis was away comes from the database
                await asyncio.gather(a.close(), b.close())
                await asyncio.sleep(0.3)
                return restarted, recovered_at, b

            restarted, recovered_at, b = asyncio.run(scenario())
            redis = restarted
        assert recovered_at is not None, "live delivery did not come back after the Redis restart"
        assert [m["seq"] for m in b.ordered()] == list(range(1, len(b.by_seq) + 1))
    finally:
        redis.terminate()
        redis.wait(5)
