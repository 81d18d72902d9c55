"""Open websockets follow their session: logout, a password change, deactivation and expiry close them.

On the live server (Uvicorn) with real websocket clients and the real HTTP views; the layer in between is
the in-memory one, or channels-redis with two servers (each tab on its own worker).
"""

import asyncio
import json
import threading
import time
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
import time_machine
import websockets
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from apps.accounts.models import User
from apps.accounts.seed import DEMO_PASSWORD
from tests.conftest import _free_port, redis_layer, redis_url_or_skip, session_key_for

CSRF = "a" * 32  # a CSRF secret of our own, sent as cookie and header alike


def new_session(user, expiry=None) -> str:
    """A logged-in session (what the login view makes), as its cookie value."""
    return session_key_for(user, expiry)


def post(base: str, path: str, session_key: str, data: dict | None = None) -> tuple[int, str | None]:
    """POST a form through the live server as that session; (status, the new session cookie if any)."""
    request = urllib.request.Request(  # noqa: S310 - our own live server
        base + path,
        data=urllib.parse.urlencode(data or {}).encode(),
        headers={
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}; {settings.CSRF_COOKIE_NAME}={CSRF}",
            "X-CSRFToken": CSRF,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(request, timeout=10)
    except urllib.error.HTTPError as redirect:  # a 302 arrives as an "error" without a redirect handler
        response = redirect
    cookies = [c for c in response.headers.get_all("Set-Cookie") or [] if c.startswith("sessionid=")]
    new_key = cookies[0].split(";")[0].split("=", 1)[1] if cookies else None
    return response.status, new_key


class Tab:
    """One browser tab's websocket."""

    def __init__(self, base: str, session_key: str):
        self.base, self.session_key = base, session_key
        self.frames: list[dict] = []

    async def open(self, expect_hello: bool = True):
        self.ws = await websockets.connect(
            self.base.replace("http://", "ws://") + "/ws/",
            additional_headers={
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={self.session_key}",
                "Origin": self.base,
            },
            ping_interval=None,
        )
        if expect_hello:
            assert (await self.next())["type"] == "hello"
        return self

    async def next(self, timeout: float = 5) -> dict:
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            self.frames.append(frame)
            if frame["type"] != "chat.presence":  # friends' online/offline news
                return frame

    async def closed_with(self, timeout: float = 3) -> int:
        """Wait for the server to close the socket; its close code."""
        try:
            while True:
                await self.next(timeout)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    async def ask(self, type_: str, data: dict | None = None) -> dict:
        await self.ws.send(json.dumps({"type": type_, "ref": "q", "data": data or {}}))
        return await self.next()


def open_tabs(base, *keys):
    return asyncio.gather(*(Tab(base, key).open() for key in keys))


@pytest.fixture
def second_server(asgi_server, transactional_db):
    """Another Uvicorn worker on the same database (and, inside `redis_layer`, the same Redis)."""
    import uvicorn

    from socialdemo.asgi import application

    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-2", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the second server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


def test_logout_closes_every_tab_of_that_session_and_only_those(live_url, liwei):
    laptop, phone = new_session(liwei), new_session(liwei)

    async def scenario():
        tab1, tab2, other_device = await open_tabs(live_url, laptop, laptop, phone)
        status, _ = post(live_url, "/accounts/logout/", laptop)
        assert status == 302
        assert await asyncio.gather(tab1.closed_with(), tab2.closed_with()) == [4401, 4401]
        assert tab1.frames[-1]["type"] == "session.ended"
        assert tab1.frames[-1]["data"]["login_url"] == "/accounts/login/"
        # The phone's session was not logged out: it goes on working.
        assert (await other_device.ask("chat.badge"))["type"] == "ack"
        await other_device.ws.close()

    asyncio.run(scenario())


def test_a_password_change_closes_other_sessions_and_the_changing_tab_works_after_reconnecting(
    live_url, liwei
):
    here, elsewhere = new_session(liwei), new_session(liwei)

    async def scenario():
        mine, theirs = await open_tabs(live_url, here, elsewhere)
        status, new_key = post(
            live_url,
            "/accounts/password/",
            here,
            {
                "old_password": DEMO_PASSWORD,
                "new_password1": "new-pass-2027!",
                "new_password2": "new-pass-2027!",
            },
        )
        assert status == 302 and new_key  # changed; this browser's session lives on under a new key
        assert await theirs.closed_with() == 4401
        assert await mine.closed_with() == 4401  # its old key is gone; the page reconnects
        again = await Tab(live_url, new_key).open()
        assert (await again.ask("chat.badge"))["type"] == "ack"
        await again.ws.close()
        stale = await Tab(live_url, elsewhere).open(expect_hello=False)
        assert await stale.closed_with() == 4401  # told to log in, not left retrying

    asyncio.run(scenario())


def test_deactivation_by_a_moderator_closes_the_persons_tabs(live_url, liwei, cast):
    moderator = User.objects.get(username="moderator")
    phone, laptop, admin_session = new_session(liwei), new_session(liwei), new_session(moderator)

    async def scenario():
        tab1, tab2 = await open_tabs(live_url, phone, laptop)
        status, _ = post(
            live_url,
            "/admin/accounts/user/",
            admin_session,
            {"action": "deactivate", "_selected_action": str(liwei.pk), "index": "0"},
        )
        assert status == 302
        assert await asyncio.gather(tab1.closed_with(), tab2.closed_with()) == [4401, 4401]

    asyncio.run(scenario())
    liwei.refresh_from_db()
    assert not liwei.is_active


def test_deactivation_saved_on_the_person_closes_their_tabs(live_url, liwei):
    key = new_session(liwei)

    async def scenario():
        (tab,) = await open_tabs(live_url, key)
        liwei.is_active = False
        await database_sync_to_async(liwei.save)()  # closes its connection after
        assert await tab.closed_with() == 4401

    asyncio.run(scenario())


def test_an_expiring_session_closes_its_tab_when_it_expires(live_url, liwei):
    # A few seconds from now: long enough for the tab to open on a slow machine before it expires.
    key = new_session(liwei, expiry=4)

    async def scenario():
        (tab,) = await open_tabs(live_url, key)
        assert await tab.closed_with(timeout=15) == 4401

    asyncio.run(scenario())


def test_no_action_is_accepted_once_the_session_has_expired(live_url, liwei):
    key = new_session(liwei)

    async def scenario():
        (tab,) = await open_tabs(live_url, key)
        # Past the 30-day session (its timer has not fired: loop timers run on the monotonic clock).
        with time_machine.travel(timedelta(days=31), tick=True):
            await tab.ws.send(json.dumps({"type": "chat.badge", "ref": "late", "data": {}}))
            assert await tab.closed_with() == 4401
        assert not [f for f in tab.frames if f.get("ref") == "late"]  # no ack, no error: refused

    asyncio.run(scenario())


def test_logout_on_one_worker_closes_the_tab_on_another_over_redis(live_url, second_server, liwei):
    url = redis_url_or_skip()
    key, other = new_session(liwei), new_session(liwei)
    with redis_layer(url, prefix=f"t_realtime_sessions{id(key)}"):

        async def scenario():
            (tab_on_2,) = await open_tabs(second_server, key)
            (other_on_2,) = await open_tabs(second_server, other)
            status, _ = post(live_url, "/accounts/logout/", key)  # served by worker 1
            assert status == 302
            assert await tab_on_2.closed_with() == 4401
            assert (await other_on_2.ask("chat.badge"))["type"] == "ack"
            await other_on_2.ws.close()

        asyncio.run(scenario())


# --- An action that gets in before the word to the tab ----------------------------------------------------


@pytest.fixture
def word_is_late(monkeypatch):
    """The word to the tabs never arrives (as if still on its way from another worker)."""
    from apps.core import events

    monkeypatch.setattr(events, "tell_tabs", lambda **kwargs: None)


@pytest.fixture
def echo():
    from apps.core import realtime

    realtime.on("test.echo")(lambda *, user, data: {"you": user.username})
    yield
    realtime._handlers.pop("test.echo")


async def _communicator(session_key: str):
    from channels.testing import WebsocketCommunicator

    from socialdemo.asgi import application

    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000"), (b"cookie", cookie)]
    tab = WebsocketCommunicator(application, "/ws/", headers=headers)
    assert (await tab.connect())[0]
    return tab


async def _refused(tab) -> None:
    from tests.core.test_realtime import receive_skipping_presence

    await tab.send_to(text_data=json.dumps({"type": "test.echo", "ref": "late"}))
    assert (await receive_skipping_presence(tab))["type"] == "session.ended"
    assert await tab.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
    await tab.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_an_action_after_logout_is_refused_even_before_the_tab_hears_of_it(liwei, word_is_late, echo):
    from django.contrib.auth import logout
    from django.test import RequestFactory

    from tests.core.test_realtime import receive_skipping_presence

    key = await database_sync_to_async(new_session)(liwei)
    tab = await _communicator(key)
    await receive_skipping_presence(tab)

    def log_out():
        request = RequestFactory().post("/accounts/logout/")
        request.session = SessionStore(key)
        request.user = liwei
        logout(request)

    await database_sync_to_async(log_out)()
    await _refused(tab)


@pytest.mark.django_db(transaction=True)
async def test_an_action_after_a_password_change_is_refused_even_before_the_tab_hears_of_it(
    liwei, word_is_late, echo
):

    from tests.core.test_realtime import receive_skipping_presence

    tab = await _communicator(await database_sync_to_async(new_session)(liwei))
    await receive_skipping_presence(tab)
    await tab.send_to(text_data=json.dumps({"type": "test.echo", "ref": "before"}))
    assert (await receive_skipping_presence(tab))["data"] == {"you": "liwei"}

    def change_password():
        liwei.set_password("another-pass-2027")
        liwei.save()

    await database_sync_to_async(change_password)()
    await _refused(tab)
