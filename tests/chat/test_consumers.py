"""Chat over the one websocket: send, ack, fan-out, retries, sync after a drop, and who may do what."""

import json

import pytest
from channels.db import database_sync_to_async

from apps.chat import services
from tests.core.test_realtime import open_tab

pytestmark = pytest.mark.django_db(transaction=True)


async def next_of(tab, *types, timeout=3):
    """The next frame of one of `types`, skipping the others (hello, badges, presence...)."""
    while True:
        frame = json.loads(await tab.receive_from(timeout=timeout))
        if frame["type"] in types:
            return frame


async def request(tab, type_, data, ref="r1"):
    await tab.send_to(text_data=json.dumps({"type": type_, "ref": ref, "data": data}))
    return await next_of(tab, "ack", "error")


async def nothing_more(tab, *types, wait=0.3):
    """No frame of `types` arrives (receive_nothing, unlike a timed-out receive, keeps the app running)."""
    while not await tab.receive_nothing(timeout=wait):
        frame = json.loads(await tab.receive_from())
        assert frame["type"] not in types, frame
    return True


async def test_send_is_acked_then_delivered_to_every_member_tab(direct, liwei, wangfang):
    mine, *_ = await open_tab(liwei)
    theirs, *_ = await open_tab(wangfang)
    theirs2, *_ = await open_tab(wangfang)
    ack = await request(mine, "chat.send", {"conversation": direct.pk, "text": "你好 <b>", "client_id": "a1"})
    assert ack["type"] == "ack" and ack["data"]["seq"] == 1
    for tab in (theirs, theirs2, mine):
        event = await next_of(tab, "chat.message")
        assert event["data"]["message"]["id"] == ack["data"]["id"]
        assert event["data"]["message"]["text"] == "你好 <b>"  # raw: the client escapes with textContent
    for tab in (mine, theirs, theirs2):
        await tab.disconnect()


async def test_retry_with_same_client_id_gets_same_ack_and_one_delivery(direct, liwei, wangfang):
    mine, *_ = await open_tab(liwei)
    theirs, *_ = await open_tab(wangfang)
    first = await request(mine, "chat.send", {"conversation": direct.pk, "text": "once", "client_id": "same"})
    second = await request(
        mine, "chat.send", {"conversation": direct.pk, "text": "once", "client_id": "same"}, ref="r2"
    )
    assert first["data"] == second["data"]
    await next_of(theirs, "chat.message")
    assert await nothing_more(theirs, "chat.message")
    await mine.disconnect()
    await theirs.disconnect()


async def test_stranger_gets_not_found_for_send_and_sync(direct, zhangmin):
    tab, *_ = await open_tab(zhangmin)
    for type_, data in [
        ("chat.send", {"conversation": direct.pk, "text": "hi"}),
        ("chat.sync", {"conversation": direct.pk, "after": 0}),
        ("chat.read", {"conversation": direct.pk, "seq": 1}),
        ("chat.typing", {"conversation": direct.pk}),
        ("chat.send", {"conversation": 999999, "text": "hi"}),
    ]:
        answer = await request(tab, type_, data)
        assert answer["type"] == "error" and answer["data"]["code"] == "not_found", (type_, answer)
    await tab.disconnect()


async def test_bad_input_gets_clear_errors_and_socket_survives(direct, liwei):
    tab, *_ = await open_tab(liwei)
    cases = [
        ({"conversation": direct.pk, "text": "x" * 2001}, "too_long"),
        ({"conversation": direct.pk, "text": ""}, "empty"),
        ({"conversation": direct.pk, "text": ["not", "text"]}, "empty"),
        ({"conversation": "abc", "text": "hi"}, "not_found"),
        ({"conversation": direct.pk, "kind": "bogus"}, "malformed"),
        ({"conversation": direct.pk, "text": "hi", "client_id": "x" * 65}, "malformed"),
        ({"conversation": direct.pk, "text": "hi", "mentions": "all"}, "malformed"),
    ]
    for data, code in cases:
        answer = await request(tab, "chat.send", data)
        assert answer["type"] == "error" and answer["data"]["code"] == code, (data, answer)
    ok = await request(tab, "chat.send", {"conversation": direct.pk, "text": "still fine"})
    assert ok["type"] == "ack"
    await tab.disconnect()


async def test_rate_limit_answers_with_an_error_event(direct, liwei, window_start):
    tab, *_ = await open_tab(liwei)
    for n in range(20):
        assert (await request(tab, "chat.send", {"conversation": direct.pk, "text": str(n)}, ref=n))[
            "type"
        ] == "ack"
    answer = await request(tab, "chat.send", {"conversation": direct.pk, "text": "too many"}, ref="x")
    assert answer["type"] == "error" and answer["data"]["code"] == "rate_limited"
    await tab.disconnect()


async def test_removed_member_can_neither_send_nor_receive(group, liwei, chenjing):
    theirs, *_ = await open_tab(chenjing)
    await database_sync_to_async(services.group_remove_member)(
        actor=liwei, conversation=group, user_id=chenjing.pk
    )
    await next_of(theirs, "chat.conversation")
    answer = await request(theirs, "chat.send", {"conversation": group.pk, "text": "let me back"})
    assert answer["type"] == "error" and answer["data"]["code"] == "not_found"
    await database_sync_to_async(services.message_send)(
        sender=liwei, conversation=group, text="after removal"
    )
    assert await nothing_more(theirs, "chat.message")
    await theirs.disconnect()


async def test_reconnect_mid_conversation_loses_and_duplicates_nothing(direct, liwei, wangfang):
    """Wang Fang's socket drops after message 3; Li Wei sends 4-7; she reconnects and syncs from her last seq."""
    mine, *_ = await open_tab(liwei)
    theirs, *_ = await open_tab(wangfang)
    seen = {}
    for n in range(1, 4):
        await request(
            mine, "chat.send", {"conversation": direct.pk, "text": f"m{n}", "client_id": f"c{n}"}, ref=n
        )
        event = await next_of(theirs, "chat.message")
        seen[event["data"]["message"]["seq"]] = event["data"]["message"]["text"]
    await theirs.disconnect()
    for n in range(4, 8):
        await request(
            mine, "chat.send", {"conversation": direct.pk, "text": f"m{n}", "client_id": f"c{n}"}, ref=n
        )
    # A resend of message 5 after the sender's own drop changes nothing.
    await request(
        mine, "chat.send", {"conversation": direct.pk, "text": "m5", "client_id": "c5"}, ref="again"
    )
    theirs, *_ = await open_tab(wangfang)
    synced = await request(theirs, "chat.sync", {"conversation": direct.pk, "after": max(seen)})
    for message in synced["data"]["messages"]:
        assert message["seq"] not in seen
        seen[message["seq"]] = message["text"]
    assert seen == {n: f"m{n}" for n in range(1, 8)}
    await mine.disconnect()
    await theirs.disconnect()


async def test_read_and_typing_reach_the_other_person(direct, liwei, wangfang):
    mine, *_ = await open_tab(liwei)
    theirs, *_ = await open_tab(wangfang)
    ack = await request(mine, "chat.send", {"conversation": direct.pk, "text": "read me"})
    await request(theirs, "chat.read", {"conversation": direct.pk, "seq": ack["data"]["seq"]})
    read = await next_of(mine, "chat.read")
    assert read["data"] == {"conversation": direct.pk, "user": wangfang.pk, "seq": 1}
    await request(theirs, "chat.typing", {"conversation": direct.pk}, ref="t")
    typing = await next_of(mine, "chat.typing")
    assert typing["data"]["user"] == wangfang.pk
    await mine.disconnect()
    await theirs.disconnect()


async def test_presence_online_then_last_seen(direct, liwei, wangfang):
    mine, *_ = await open_tab(liwei)
    theirs, *_ = await open_tab(wangfang)
    await next_of(theirs, "hello")  # her tab is up (its connect has counted her online)
    status = await request(mine, "chat.presence", {"conversation": direct.pk})
    assert status["data"]["online"] is True
    await theirs.disconnect()
    offline = await next_of(mine, "chat.presence")
    while offline["data"]["online"]:  # the "online" news of her connecting may come first
        offline = await next_of(mine, "chat.presence")
    assert offline["data"]["user"] == wangfang.pk and offline["data"]["last_seen"]
    await mine.disconnect()


async def test_heartbeat_rejoins_a_forgotten_group(direct, liwei, wangfang):
    """If the layer forgets the tab's group (a Redis restart), the next ping joins it again."""
    from channels.layers import InMemoryChannelLayer, get_channel_layer

    from apps.core.events import user_group

    layer = get_channel_layer()
    if not isinstance(layer, InMemoryChannelLayer):
        pytest.skip("pub/sub keeps memberships in the process and re-subscribes itself after a Redis restart")
    theirs, *_ = await open_tab(wangfang)
    await next_of(theirs, "hello")
    for channel in list(getattr(layer, "groups", {}).get(user_group(wangfang.pk), {})):
        await layer.group_discard(user_group(wangfang.pk), channel)
    await database_sync_to_async(services.message_send)(sender=liwei, conversation=direct, text="lost live")
    assert await nothing_more(theirs, "chat.message")
    await theirs.send_to(text_data=json.dumps({"type": "ping", "ref": "p"}))
    await next_of(theirs, "pong")
    await database_sync_to_async(services.message_send)(sender=liwei, conversation=direct, text="live again")
    event = await next_of(theirs, "chat.message")
    assert event["data"]["message"]["text"] == "live again"
    await theirs.disconnect()


async def test_order_of_work_is_store_then_ack_then_broadcast(direct, liwei):
    tab, *_ = await open_tab(liwei)
    await next_of(tab, "hello")
    await tab.send_to(
        text_data=json.dumps(
            {"type": "chat.send", "ref": "o1", "data": {"conversation": direct.pk, "text": "x"}}
        )
    )
    first = await next_of(tab, "ack", "chat.message")
    second = await next_of(tab, "ack", "chat.message")
    assert (first["type"], second["type"]) == ("ack", "chat.message")
    assert first["data"]["id"] == second["data"]["message"]["id"]
    await tab.disconnect()
