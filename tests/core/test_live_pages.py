"""Live pages: a tab joins a page everybody sees alike (the hot-search list) and hears what is published to it."""

import json

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from apps.core import events, realtime
from tests.core.test_realtime import open_tab, receive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_page(monkeypatch):
    monkeypatch.setattr(realtime, "_pages", {"test.board"})
    return "test.board"


@database_sync_to_async
def publish_board(data):
    with transaction.atomic():
        events.publish_to_page(page="test.board", type="test.board", data=data)


async def next_frame_of(tab, kind):
    while True:
        frame = await receive(tab)
        if frame["type"] == kind:
            return frame


async def test_a_tab_that_joined_a_page_hears_its_events_and_others_do_not(liwei, sophie, live_page):
    watcher, _, _ = await open_tab(liwei)
    other, _, _ = await open_tab(sophie)
    await receive(watcher)
    await receive(other)
    await watcher.send_to(text_data=json.dumps({"type": "join", "ref": 1, "data": {"page": live_page}}))
    assert (await next_frame_of(watcher, "ack"))["ref"] == 1
    await publish_board({"n": 1})
    assert (await next_frame_of(watcher, "test.board"))["data"] == {"n": 1}
    assert await other.receive_nothing(timeout=0.3)
    await watcher.disconnect()
    await other.disconnect()


async def test_only_registered_pages_can_be_joined(liwei, live_page):
    tab, _, _ = await open_tab(liwei)
    await receive(tab)
    await tab.send_to(text_data=json.dumps({"type": "join", "ref": 2, "data": {"page": "user.1"}}))
    frame = await next_frame_of(tab, "error")
    assert frame["ref"] == 2 and frame["data"]["code"] == "unknown"
    await publish_board({"n": 2})
    assert await tab.receive_nothing(timeout=0.3)
    await tab.disconnect()


async def test_page_events_wait_for_the_commit(liwei, live_page):
    tab, _, _ = await open_tab(liwei)
    await receive(tab)
    await tab.send_to(text_data=json.dumps({"type": "join", "ref": 3, "data": {"page": live_page}}))
    await next_frame_of(tab, "ack")

    @database_sync_to_async
    def rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            events.publish_to_page(page="test.board", type="test.board", data={"n": 3})
            raise RuntimeError

    await rolled_back()
    assert await tab.receive_nothing(timeout=0.3)
    await tab.disconnect()
