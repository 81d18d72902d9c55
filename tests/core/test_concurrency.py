"""Websocket actions: different connections run in parallel, one connection's run one after another."""

import asyncio
import json
import threading

import pytest

from apps.core import realtime
from apps.core.errors import DomainError
from tests.core.test_realtime import open_tab, receive_skipping_presence

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def handlers():
    """Test handlers that can only succeed if two of them run at the same time (or must not)."""
    meeting = threading.Barrier(2, timeout=5)
    second_arrived = threading.Event()

    @realtime.on("test.meet")
    def meet(*, user, data):
        try:
            meeting.wait()
        except threading.BrokenBarrierError:
            raise DomainError("Nobody else came.", code="alone") from None
        return {"met": user.username}

    @realtime.on("test.first")
    def first(*, user, data):
        # Waits (a bounded while) for the second request of the same tab: it must not come meanwhile.
        return {"saw_second": second_arrived.wait(timeout=1.5)}

    @realtime.on("test.second")
    def second(*, user, data):
        second_arrived.set()
        return {}

    yield
    for name in ("test.meet", "test.first", "test.second"):
        realtime._handlers.pop(name)


async def answer(tab):
    while True:
        frame = await receive_skipping_presence(tab)
        if frame["type"] in ("ack", "error"):
            return frame


async def test_actions_of_different_connections_run_at_the_same_time(liwei, emma, handlers):
    one, _, _ = await open_tab(liwei)
    two, _, _ = await open_tab(emma)
    for tab in (one, two):
        await receive_skipping_presence(tab)
    for tab, ref in ((one, "a"), (two, "b")):
        await tab.send_to(text_data=json.dumps({"type": "test.meet", "ref": ref}))
    acks = await asyncio.gather(answer(one), answer(two))
    assert [a["data"] for a in acks] == [{"met": "liwei"}, {"met": "emma"}]
    for tab in (one, two):
        await tab.disconnect()


async def test_one_connection_gets_its_answers_in_the_order_of_its_requests(liwei, handlers):
    tab, _, _ = await open_tab(liwei)
    await receive_skipping_presence(tab)
    await tab.send_to(text_data=json.dumps({"type": "test.first", "ref": 1}))
    await tab.send_to(text_data=json.dumps({"type": "test.second", "ref": 2}))
    first, second = await answer(tab), await answer(tab)
    assert (first["ref"], second["ref"]) == (1, 2)
    assert first["data"] == {"saw_second": False}  # the second waited for the first to finish
    await tab.disconnect()
