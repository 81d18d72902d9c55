"""The one websocket per tab: who may connect, what it answers, and that events reach every tab."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from apps.accounts import services as accounts
from apps.core import realtime
from apps.core.errors import DomainError
from socialdemo.asgi import application
from tests.conftest import session_key_for

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def session_cookie(user) -> bytes:
    return f"{settings.SESSION_COOKIE_NAME}={session_key_for(user)}".encode()


async def open_tab(user=None, origin=b"http://127.0.0.1:8000"):
    headers = [(b"origin", origin), (b"host", b"127.0.0.1:8000")]
    if user is not None:
        headers.append((b"cookie", await session_cookie(user)))
    communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def receive(communicator, timeout=2):
    return json.loads(await communicator.receive_from(timeout=timeout))


async def receive_skipping_presence(communicator):
    """The next frame that isn't a friend's online/offline news (apps.chat.presence)."""
    while True:
        frame = await receive(communicator)
        if frame["type"] != "chat.presence":
            return frame


async def test_logged_in_tab_connects_and_gets_its_badges(liwei):
    tab, connected, _ = await open_tab(liwei)
    assert connected
    hello = await receive(tab)
    assert hello["type"] == "hello"
    assert hello["data"]["badges"]["contacts"] == 2  # tom and zhaolei are waiting
    await tab.disconnect()


async def test_anonymous_tab_is_told_to_log_in(db):
    # Accepted then closed with 4401 (a refused handshake would reach the page as a bare 1006 and it
    # would retry forever); realtime.js sends the tab to the login page on 4401.
    tab, _connected, _ = await open_tab(None)
    assert await tab.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}


async def test_foreign_origin_is_refused(liwei):
    _tab, connected, _ = await open_tab(liwei, origin=b"http://evil.example")
    assert not connected


async def test_ping_gets_pong(liwei):
    tab, _, _ = await open_tab(liwei)
    await receive(tab)
    await tab.send_to(text_data=json.dumps({"type": "ping", "ref": 7}))
    assert await receive(tab) == {"type": "pong", "ref": 7}
    await tab.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "malformed"),
        ("[1, 2]", "malformed"),
        (json.dumps({"type": "no.such.thing", "ref": "r1"}), "unknown"),
        (json.dumps({"type": "ping", "data": "x" * 70_000}), "too_large"),
    ],
)
async def test_bad_frames_get_an_error_event_and_the_socket_survives(liwei, frame, code):
    tab, _, _ = await open_tab(liwei)
    await receive(tab)
    await tab.send_to(text_data=frame)
    error = await receive(tab)
    assert error["type"] == "error" and error["data"]["code"] == code
    await tab.send_to(text_data=json.dumps({"type": "ping", "ref": 1}))
    assert (await receive(tab))["type"] == "pong"
    await tab.disconnect()


async def test_binary_frames_are_refused_truthfully(liwei):
    tab, _, _ = await open_tab(liwei)
    await receive(tab)
    await tab.send_to(bytes_data=b"\x00\x01")
    error = await receive(tab)
    assert error["data"] == {"code": "malformed", "message": "Only text messages are understood here."}
    await tab.send_to(text_data=json.dumps({"type": "ping", "ref": 1}))
    assert (await receive(tab))["type"] == "pong"
    await tab.disconnect()


@pytest.fixture
def echo_handler():
    @realtime.on("test.echo")
    def echo(*, user, data):
        if data.get("fail"):
            raise DomainError("No echo for you.")
        return {"you": user.username, "said": data.get("text")}

    yield
    realtime._handlers.pop("test.echo")


async def test_handler_answers_with_ack_or_error_by_ref(liwei, echo_handler):
    tab, _, _ = await open_tab(liwei)
    await receive(tab)
    await tab.send_to(text_data=json.dumps({"type": "test.echo", "ref": "a1", "data": {"text": "你好"}}))
    assert await receive(tab) == {"type": "ack", "ref": "a1", "data": {"you": "liwei", "said": "你好"}}
    await tab.send_to(text_data=json.dumps({"type": "test.echo", "ref": "a2", "data": {"fail": True}}))
    error = await receive(tab)
    assert error == {"type": "error", "ref": "a2", "data": {"code": "invalid", "message": "No echo for you."}}
    await tab.disconnect()


async def test_friend_request_badge_reaches_every_tab_of_the_recipient_only(liwei, sophie, emma):
    phone, _, _ = await open_tab(liwei)
    laptop, _, _ = await open_tab(liwei)
    other, _, _ = await open_tab(emma)
    for tab in (phone, laptop, other):
        await receive(tab)
    await database_sync_to_async(accounts.friend_request_send)(
        sender=sophie, recipient=liwei, message="Salut"
    )
    for tab in (phone, laptop):
        request = await receive_skipping_presence(tab)
        assert request["type"] == "contacts.request" and request["data"]["message"] == "Salut"
        badges = await receive_skipping_presence(tab)
        assert badges["type"] == "badges" and badges["data"]["contacts"] == 3
    while not await other.receive_nothing(timeout=0.3):  # friends' online/offline news is fine
        assert (await receive(other))["type"] == "chat.presence"
    for tab in (phone, laptop, other):
        await tab.disconnect()


async def test_events_of_a_rolled_back_transaction_are_never_sent(liwei, sophie):
    from django.db import transaction

    tab, _, _ = await open_tab(liwei)
    await receive(tab)

    @database_sync_to_async
    def send_then_fail():
        with pytest.raises(RuntimeError), transaction.atomic():
            accounts.friend_request_send(sender=sophie, recipient=liwei)
            raise RuntimeError("boom")

    await send_then_fail()
    assert await tab.receive_nothing(timeout=0.3)
    await tab.disconnect()
