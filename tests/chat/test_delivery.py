"""The delivery guarantee under load, on the real server (Uvicorn) with real websocket clients.

50 members each send 5 messages at once into one group. With the layer's normal capacity every client
gets all 250 as live `chat.message` events, once each; when the layer drops (a receiver's queue full),
the hole in the sequence is filled by `chat.sync` from the database, which never drops. Live pushes
are counted apart from catch-up, so a broken live path cannot hide behind the sync.
"""

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import time
from itertools import pairwise

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from apps.accounts.models import User
from apps.chat.models import ChatProfile, Conversation, Membership
from apps.core import clock
from apps.core.clients import ChatClient
from tests.conftest import _free_port, need_service, redis_layer, redis_url_or_skip, session_key_for

CLIENTS, EACH = 50, 5
PATIENCE = 30  # seconds: only a broken server takes this long; a passing run waits for the condition


class LiveClient(ChatClient):
    """A ChatClient that also records the order live events arrived in (catch-up by sync not included)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.live_seqs: list[int] = []
        self.live_senders: list[int] = []

    def _keep(self, message: dict, *, live: bool = False):
        if live:
            self.live_seqs.append(message["seq"])
            self.live_senders.append(message["sender"])
        super()._keep(message, live=live)


def cookie_for(user) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={session_key_for(user)}"


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


async def wait_for(condition, what: str, limit: float = PATIENCE) -> None:
    """Wait until `condition()` holds; fail after `limit` seconds with `what` (a safety net, not a timing)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        await asyncio.sleep(0.02)


def _all_disconnected(conversation: int) -> bool:
    """Every member's last tab has closed on the server (it records last_seen when it does)."""
    members = Membership.objects.filter(conversation_id=conversation).values("user_id")
    return ChatProfile.objects.filter(user_id__in=members, last_seen__isnull=False).count() == len(members)


async def close_all(
    clients: list[ChatClient], conversation: int, *, drain: bool = True, limit: float = PATIENCE
) -> None:
    """Close the clients once nothing is in flight, and wait until the server has finished the disconnects.

    A last message that every client receives live means each one's queue on the server is empty (first
    in, first out); the disconnects must be done before the test database is flushed.
    """
    if drain:
        last = await clients[0].send_text("last", client_id="last")
        await wait_for(lambda: all(last["data"]["id"] in c.live_ids for c in clients), "the last message")
    await asyncio.gather(*(c.close() for c in clients))
    done = sync_to_async(_all_disconnected)
    deadline = time.monotonic() + limit
    while not await done(conversation):
        if time.monotonic() > deadline:
            pytest.fail("the server did not finish the disconnects: people stay 'online'")
        await asyncio.sleep(0.02)


async def burst(
    base: str, conversation: int, cookies: list[str], each: int, *, live: bool, before_close=None
) -> list[LiveClient]:
    """Everyone sends `each` messages at once; then wait until all came live (`live`) or sync the rest."""
    clients = [LiveClient(base, cookie, conversation) for cookie in cookies]
    await asyncio.gather(*(c.connect() for c in clients))

    async def send_all(index: int, client: ChatClient):
        acks = await asyncio.gather(
            *(client.send_text(f"c{index} m{k}", client_id=f"{index}-{k}") for k in range(each))
        )
        assert all(a["type"] == "ack" for a in acks), acks

    await asyncio.gather(*(send_all(i, c) for i, c in enumerate(clients)))
    total = len(clients) * each
    if live:
        await wait_for(lambda: all(len(c.live_ids) >= total for c in clients), "every live delivery")
    else:
        # Every send was acknowledged, so all are stored: whatever the layer dropped, chat.sync fetches.
        await asyncio.gather(*(c.sync() for c in clients))
    if before_close is not None:
        before_close()
    await close_all(clients, conversation)
    return clients


def check(clients: list[LiveClient], total: int) -> None:
    """Everyone has every message of the burst once, in seq order (live or fetched)."""
    for client in clients:
        ordered = [m for m in client.ordered() if m["seq"] <= total]  # after it: close_all's last one
        assert [m["seq"] for m in ordered] == list(range(1, total + 1))
        assert len({m["id"] for m in ordered}) == total
        assert client.duplicate_events == 0
    texts = [m["text"] for m in clients[0].ordered()[:total]]
    assert len(set(texts)) == total


def check_all_live(clients: list[LiveClient], total: int) -> None:
    """Every message reached every client as a live event, exactly once, each sender's in sending order."""
    for client in clients:
        seqs = [s for s in client.live_seqs if s <= total]
        assert sorted(seqs) == list(range(1, total + 1)), "a live event was lost or repeated"
        by_sender: dict[int, list[int]] = {}
        for seq, sender in zip(client.live_seqs, client.live_senders, strict=True):
            if seq <= total:
                by_sender.setdefault(sender, []).append(seq)
        assert all(seqs == sorted(seqs) for seqs in by_sender.values()), "a sender's messages overtook"


def test_burst_50_clients_5_messages_each_everyone_gets_all_250_live_in_order_once(live_url):
    conv, cookies = make_group(CLIENTS)
    clients = asyncio.run(burst(live_url, conv.pk, cookies, EACH, live=True))
    check(clients, CLIENTS * EACH)
    check_all_live(clients, CLIENTS * EACH)
    total = CLIENTS * EACH
    overtaken = sum(any(b < a for a, b in pairwise(s for s in c.live_seqs if s <= total)) for c in clients)
    print(f"\nclients that saw a later seq before an earlier one: {overtaken} of {CLIENTS}")


def test_burst_survives_a_tiny_layer_capacity(live_url, settings):
    """With the layer's queues shrunk to 20, live events are dropped, and chat.sync brings the rest."""
    from channels.layers import InMemoryChannelLayer, channel_layers

    layer = channel_layers["default"]
    if not isinstance(layer, InMemoryChannelLayer):
        pytest.skip("only the in-memory layer's capacity can be shrunk in place")
    old = layer.capacity
    layer.capacity = 20

    def restore():
        layer.capacity = old

    try:
        conv, cookies = make_group(20, prefix="tiny")
        clients = asyncio.run(burst(live_url, conv.pk, cookies, EACH, live=False, before_close=restore))
    finally:
        restore()
    check(clients, 20 * EACH)
    live = sum(len([s for s in c.live_seqs if s <= 20 * EACH]) for c in clients)
    print(f"\nlive deliveries {live} of {20 * 20 * EACH}; the rest by chat.sync")


def test_a_tab_closed_while_messages_arrive_still_goes_offline(live_url):
    conv, cookies = make_group(10, prefix="gone")

    async def scenario():
        clients = [LiveClient(live_url, cookie, conv.pk) for cookie in cookies]
        await asyncio.gather(*(c.connect() for c in clients))
        sender, leaving = clients[0], clients[1:]
        # One member keeps talking while the others' phones drop off without a closing handshake: pushes
        # keep arriving for sockets that are already gone.
        talking = asyncio.ensure_future(
            asyncio.gather(*(sender.send_text(f"m{i}", client_id=f"g{i}") for i in range(150)))
        )
        await wait_for(lambda: all(c.live_ids for c in leaving), "the first pushes")
        for client in leaving:
            client.ws.transport.abort()
            client._reader.cancel()
        await talking
        await close_all(clients[:1], conv.pk, drain=False, limit=10)

    asyncio.run(scenario())


# --- channels-redis -------------------------------------------------------------------------------------


def test_burst_on_channels_redis(live_url):
    url = redis_url_or_skip()
    conv, cookies = make_group(CLIENTS, prefix="redis")
    with redis_layer(url, prefix=f"chattest{os.getpid()}"):
        clients = asyncio.run(burst(live_url, conv.pk, cookies, EACH, live=True))
    check(clients, CLIENTS * EACH)
    check_all_live(clients, CLIENTS * EACH)


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
                await wait_for(lambda: len(b.by_seq) == 1, "the first message")
                redis.terminate()
                redis.wait(5)
                restarted = start()
                wait_up()
                # Messages sent now are stored and acknowledged; live delivery comes back within seconds.
                recovered_at = None
                for n in range(1, 40):
                    answer = await a.send_text(f"after {n}", client_id=f"x{n}")
                    assert answer["type"] == "ack"
                    b.arrived.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(b.arrived.wait(), 0.25)  # live again: here at once
                    if b.live_events >= 2:
                        recovered_at = n
                        break
                await b.sync()  # and anything sent while Redis was away comes from the database
                await close_all([a, b], conv.pk)
                return restarted, recovered_at, b

            restarted, recovered_at, b = asyncio.run(scenario())
            redis = restarted
        assert recovered_at is not None, "live delivery did not come back after the Redis restart"
        assert [m["seq"] for m in b.ordered()] == list(range(1, len(b.by_seq) + 1))
    finally:
        redis.terminate()
        redis.wait(5)
