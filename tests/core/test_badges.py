"""The tab bar's counts: every tab's count in one statement, each the same number the app's own reader gives."""

from apps.chat import services as chat
from apps.core import badges


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
