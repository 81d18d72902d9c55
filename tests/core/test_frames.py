"""Whatever a tab sends, it gets a truthful error event and its socket stays usable."""

import json

import pytest

from apps.chat import services
from tests.core.test_realtime import open_tab, receive_skipping_presence

pytestmark = pytest.mark.django_db(transaction=True)

HUGE = 2**70  # beyond any 64-bit id


async def still_answers(tab) -> None:
    await tab.send_to(text_data=json.dumps({"type": "ping", "ref": "after"}))
    assert await receive_skipping_presence(tab) == {"type": "pong", "ref": "after"}


async def answer_to(tab, raw: str) -> dict:
    await tab.send_to(text_data=raw)
    while True:
        frame = await receive_skipping_presence(tab)
        if frame["type"] in ("ack", "error"):
            return frame


@pytest.mark.parametrize(
    ("raw", "ref"),
    [
        ("[" * 5000 + "]" * 5000, None),  # deeper than the JSON parser recurses
        ('{"type": "ping", "ref": "p", "data": ' + "[" * 5000 + "]" * 5000 + "}", None),
        ('{"type": "ping", "ref": "\\ud800"}', None),  # half a surrogate pair: cannot be sent back
        ('{"type": "chat.badge", "ref": "r", "data": {"x": "\\udfff"}}', "r"),
    ],
)
async def test_unreadable_frames_get_an_error_and_the_socket_survives(liwei, raw, ref):
    tab, _, _ = await open_tab(liwei)
    await receive_skipping_presence(tab)
    error = await answer_to(tab, raw)
    assert error["type"] == "error" and error["data"]["code"] == "malformed"
    assert error["ref"] == ref  # echoed when it could be read and sent back
    await still_answers(tab)
    await tab.disconnect()


async def test_a_lone_surrogate_in_chat_text_is_refused_and_nothing_is_stored(liwei, wangfang):
    direct = await _direct(liwei, wangfang)
    tab, _, _ = await open_tab(liwei)
    await receive_skipping_presence(tab)
    raw = '{"type": "chat.send", "ref": "s1", "data": {"conversation": %s, "text": "hi \\ud83d"}}'.replace(
        "%s", str(direct.pk)
    )
    error = await answer_to(tab, raw)
    assert error["ref"] == "s1"
    assert error["data"] == {"code": "malformed", "message": "That request contains text that is not valid."}
    assert await _count_messages(direct) == 0
    await still_answers(tab)
    await tab.disconnect()


async def test_a_proper_surrogate_pair_is_an_emoji_and_is_sent(liwei, wangfang):
    direct = await _direct(liwei, wangfang)
    tab, _, _ = await open_tab(liwei)
    await receive_skipping_presence(tab)
    raw = '{"type": "chat.send", "ref": "e", "data": {"conversation": %s, "text": "\\ud83d\\ude00"}}'.replace(
        "%s", str(direct.pk)
    )
    assert (await answer_to(tab, raw))["type"] == "ack"
    await tab.disconnect()


def _requests(direct_pk: int, group_pk: int, message_pk: int) -> list[tuple[str, dict, str]]:
    return [
        ("chat.send", {"conversation": HUGE, "text": "x"}, "not_found"),
        ("chat.send", {"conversation": direct_pk, "text": "x", "reply_to": HUGE}, "not_found"),
        ("chat.send", {"conversation": group_pk, "text": "x", "mentions": [HUGE]}, "not_found"),
        ("chat.send", {"conversation": group_pk, "kind": "pat", "target": HUGE}, "not_found"),
        ("chat.sync", {"conversation": HUGE}, "not_found"),
        ("chat.sync", {"conversation": direct_pk, "after": HUGE}, "malformed"),
        ("chat.sync", {"conversation": direct_pk, "before": -HUGE}, "malformed"),
        ("chat.sync", {"conversation": direct_pk, "limit": HUGE}, "malformed"),
        ("chat.read", {"conversation": HUGE, "seq": 1}, "not_found"),
        ("chat.read", {"conversation": direct_pk, "seq": -HUGE}, "malformed"),
        ("chat.typing", {"conversation": HUGE}, "not_found"),
        ("chat.recall", {"id": HUGE}, "not_found"),
        ("chat.reedit", {"id": HUGE}, "not_found"),
        ("chat.hide", {"id": HUGE}, "not_found"),
        ("chat.forward", {"id": HUGE, "to": [direct_pk]}, "not_found"),
        ("chat.forward", {"id": message_pk, "to": [HUGE]}, "not_found"),
        ("chat.presence", {"conversation": HUGE}, "not_found"),
        ("chat.recall", {"id": True}, "not_found"),  # a JSON true is not the id 1
    ]


async def test_ids_beyond_64_bits_get_a_clear_error_in_every_chat_action(liwei, wangfang, zhangmin):
    direct = await _direct(liwei, wangfang)
    group, message = await _group_and_message(liwei, wangfang, zhangmin)
    tab, _, _ = await open_tab(liwei)
    await receive_skipping_presence(tab)
    for n, (type_, data, code) in enumerate(_requests(direct.pk, group.pk, message.pk)):
        answer = await answer_to(tab, json.dumps({"type": type_, "ref": n, "data": data}))
        assert (answer["type"], answer["data"]["code"]) == ("error", code), (type_, data, answer)
    await still_answers(tab)
    await tab.disconnect()


# --- helpers ---------------------------------------------------------------------------------------------

from channels.db import database_sync_to_async  # noqa: E402


@database_sync_to_async
def _direct(a, b):
    return services.conversation_direct_get_or_create(a=a, b=b)


@database_sync_to_async
def _group_and_message(owner, *others):
    group = services.group_create(actor=owner, member_ids=[u.pk for u in others], name="Ids")
    message = services.message_send(sender=owner, conversation=group, text="to forward")
    return group, message


@database_sync_to_async
def _count_messages(conversation):
    return conversation.messages.count()


async def test_a_push_to_a_tab_that_just_closed_does_not_end_the_consumer():
    """Uvicorn raises ClientDisconnected on a push to a socket the phone just dropped; the consumer must
    outlive it, or its disconnect (presence back to offline, leaving the group) never runs."""
    from uvicorn.protocols.utils import ClientDisconnected

    from apps.core.consumers import RealtimeConsumer

    async def gone(message):
        raise ClientDisconnected

    consumer = RealtimeConsumer()
    consumer.base_send = gone
    await consumer.event_push({"type": "event.push", "text": "{}"})
