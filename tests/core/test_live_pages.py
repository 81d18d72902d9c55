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


@pytest.mark.parametrize(
    ("name", "joinable"),
    [
        ("test.item.42", True),
        ("test.item.042", False),  # a second name (and group) for the same object
        ("test.item.+42", False),
        ("test.item.", False),
        ("test.item.x", False),
        ("test.item.4.2", False),
        ("test.item.١٢", False),  # digits, but not ASCII ones
        ("test.item." + "9" * 20, False),
        ("other.42", False),
        (42, False),
    ],
)
def test_object_pages_are_named_by_a_positive_id(monkeypatch, name, joinable):
    monkeypatch.setattr(realtime, "_page_kinds", {"test.item"})
    assert realtime.is_page(name) is joinable
    assert realtime.object_page("test.item", 42) == "test.item.42"


async def test_a_tab_joins_many_pages_at_once_or_none_of_them(liwei, monkeypatch):
    monkeypatch.setattr(realtime, "_page_kinds", {"test.item"})
    tab, _, _ = await open_tab(liwei)
    await receive(tab)
    await tab.send_to(
        text_data=json.dumps({"type": "join", "ref": 4, "data": {"pages": ["test.item.1", "user.1"]}})
    )
    assert (await next_frame_of(tab, "error"))["data"]["code"] == "unknown"

    @database_sync_to_async
    def publish_item(n):
        with transaction.atomic():
            events.publish_to_page(page=f"test.item.{n}", type="test.item", data={"n": n})

    await publish_item(1)
    assert await tab.receive_nothing(timeout=0.3)
    await tab.send_to(
        text_data=json.dumps({"type": "join", "ref": 5, "data": {"pages": ["test.item.1", "test.item.2"]}})
    )
    await next_frame_of(tab, "ack")
    await publish_item(2)
    assert (await next_frame_of(tab, "test.item"))["data"] == {"n": 2}
    await tab.send_to(text_data=json.dumps({"type": "leave", "ref": 6, "data": {"page": "test.item.2"}}))
    await next_frame_of(tab, "ack")
    await publish_item(2)
    assert await tab.receive_nothing(timeout=0.3)
    await publish_item(1)
    assert (await next_frame_of(tab, "test.item"))["data"] == {"n": 1}
    await tab.disconnect()
