"""Tab-bar counts: every count in one statement, each the number the app's own reader gives; a counter shown in
two places is asked once; a refresh is counted by the open tabs only."""

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from apps.chat import services as chat
from apps.core import badges
from tests.core.test_realtime import open_tab, receive_skipping_presence

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_counter_shown_on_a_tab_and_an_entry_is_asked_once(monkeypatch, liwei):
    asked = []

    def unread(user):
        asked.append(user.pk)
        return 4

    monkeypatch.setattr(badges, "_counters", {"discover": [unread], "feature": [unread]})
    assert badges.counts_for(liwei) == {"discover": 4, "feature": 4}
    assert asked == [liwei.pk]


async def test_a_refresh_is_counted_and_shown_by_each_open_tab(monkeypatch, liwei, sophie):
    counted = []

    def unread(user):
        counted.append(user.pk)
        return 7

    monkeypatch.setattr(badges, "_counters", {"discover": [unread]})
    tab, _, _ = await open_tab(liwei)
    await receive_skipping_presence(tab)  # hello (counted once at connect)
    counted.clear()

    @database_sync_to_async
    def refresh():
        with transaction.atomic():
            badges.refresh_for([liwei.pk, sophie.pk])  # sophie has no tab open: nothing is counted for her

    await refresh()
    frame = await receive_skipping_presence(tab)
    assert frame == {"type": "badges", "data": {"discover": 7}}
    assert counted == [liwei.pk]
    await tab.disconnect()


def test_every_tab_count_is_read_in_one_statement(liwei, wangfang, django_assert_num_queries):
    conversation = chat.conversation_direct_get_or_create(a=liwei, b=wangfang)
    for text in ("one", "two", "three"):
        chat.message_send(sender=wangfang, conversation=conversation, text=text)
    with django_assert_num_queries(1):
        counts = badges.counts_for(liwei)
    assert counts["chats"] == 3
    assert counts["contacts"] == 2  # tom and zhaolei are waiting for liwei
    assert list(counts) == list(badges._counters)  # every registered tab, in the tab bar's order


def test_a_count_the_page_already_knows_is_not_read_again(liwei, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = badges.counts_for(liwei, known={"chats": 7})
    assert counts["chats"] == 7 and counts["contacts"] == 2


def test_a_plain_function_counter_still_adds_to_its_tab(liwei, monkeypatch):
    monkeypatch.setitem(
        badges._counters, "me", [lambda user: 4, badges.SQLCount("SELECT 1", lambda user: [])]
    )
    assert badges.counts_for(liwei)["me"] == 5
