"""Phones side by side: `/phone/<n>/` is the site again as a session of its own, for a demo host's browser only,
in DEMO_MODE only. Through the live ASGI server (the slots are an ASGI middleware), with plain HTTP and websockets."""

import asyncio
import json
import re
import urllib.parse
import urllib.request

import pytest
import websockets

from apps.accounts import services as accounts
from apps.accounts.models import User
from apps.chat import services as chat
from apps.workshop import seed as workshop_seed
from apps.workshop import slots
from tests.conftest import session_key_for


class Answer:
    def __init__(self, response):
        self.status = response.status
        self.location = response.headers.get("Location", "")
        self.cookies = response.headers.get_all("Set-Cookie") or []
        self.headers = response.headers
        self.text = response.read().decode(errors="replace")

    def cookie(self, name: str) -> str | None:
        """The value the answer sets for cookie `name`, or None."""
        for header in self.cookies:
            if header.startswith(name + "="):
                return header.split(";")[0].split("=", 1)[1]
        return None

    def cookie_header(self, name: str) -> str:
        return next(h for h in self.cookies if h.startswith(name + "="))


def get(base: str, path: str, **cookies) -> Answer:
    """GET through the live server with these cookies, not following redirects."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items() if v)} if cookies else {}
    request = urllib.request.Request(base + path, headers=headers)  # noqa: S310 - our own live server

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        return Answer(urllib.request.build_opener(NoRedirect).open(request, timeout=10))
    except urllib.error.HTTPError as answer:  # a 3xx or 4xx arrives as an "error"
        return Answer(answer)


@pytest.fixture
def host(cast, settings):
    settings.DEMO_MODE = True
    workshop_seed.seed()
    return cast["james"]


@pytest.fixture
def host_key(host):
    return session_key_for(host)


def enter(base, slot, person, host_key, **cookies) -> Answer:
    return get(base, f"/phone/{slot}/workshop/phones/enter/?person={person}", sessionid=host_key, **cookies)


def slot_key(base, slot, person, host_key) -> str:
    answer = enter(base, slot, person, host_key)
    assert answer.status == 302, answer.status
    return answer.cookie(f"sessionid_{slot}")


# --- The page -----------------------------------------------------------------------------------------


def test_the_page_needs_a_demo_host(host, emma, client, client_as, settings):
    assert client_as(host).get("/workshop/phones/").status_code == 200
    assert client_as(emma).get("/workshop/phones/").status_code == 403
    client.logout()
    assert client.get("/workshop/phones/").status_code == 302  # to log in
    settings.DEMO_MODE = False
    assert client_as(host).get("/workshop/phones/").status_code == 404


def test_the_page_frames_four_slots_with_a_picker_of_sample_people_and_keeps_a_choice(host, client_as):
    page = client_as(host).get("/workshop/phones/?p2=tom").content.decode()
    frames = re.findall(r'<iframe name="phone-(\d)"[^>]* src="([^"]+)"', page)
    assert frames == [
        ("1", "/phone/1/workshop/phones/enter/?person=emma"),
        ("2", "/phone/2/workshop/phones/enter/?person=tom"),
        ("3", "/phone/3/workshop/phones/enter/?person=liwei"),  # the defaults, less whoever is chosen
        ("4", "/phone/4/workshop/phones/enter/?person=sophie"),
    ]
    assert page.count('<option value="wangfang"') == 4
    assert 'value="moderator"' not in page  # staff are no sample people
    three = client_as(host).get("/workshop/phones/?n=3&p1=moderator").content.decode()
    assert re.findall(r'<iframe name="phone-(\d)"', three) == ["1", "2", "3"]
    assert "?person=emma" in three  # not a sample person: the default instead


# --- Two people at once, the host still themselves ------------------------------------------------------


def test_two_slots_hold_two_people_at_once_while_the_host_stays_logged_in_as_themselves(
    live_url, host, host_key, emma, tom
):
    answer = enter(live_url, 1, "emma", host_key)
    assert answer.status == 302 and answer.location == "/phone/1/"
    assert answer.cookie("sessionid") is None  # the host's own session is never replaced from a frame
    assert "Path=/phone/1/" in answer.cookie_header("sessionid_1")
    emma_key, tom_key = answer.cookie("sessionid_1"), slot_key(live_url, 2, "tom", host_key)
    assert emma_key != tom_key != host_key

    one = get(live_url, "/phone/1/accounts/me/", sessionid=host_key, sessionid_1=emma_key)
    two = get(live_url, "/phone/2/accounts/me/", sessionid=host_key, sessionid_2=tom_key)
    mine = get(live_url, "/accounts/me/", sessionid=host_key)
    assert (one.status, two.status, mine.status) == (200, 200, 200)
    assert "Emma Wilson" in one.text and "Tom McDonald" in two.text and "James Taylor" in mine.text
    # Inside a slot every link, form and the websocket stay in it; static files do not need to.
    assert 'data-ws="/phone/1/ws/"' in one.text and 'data-ws="/ws/"' in mine.text
    assert re.findall(r'href="(/[^"]*)"', one.text) and all(
        h.startswith(("/phone/1/", "/static/")) for h in re.findall(r'(?:href|action)="(/[^"]*)"', one.text)
    )
    assert 'href="/static/' in one.text
    # Framed by this site only, not by anyone else's.
    assert one.headers["X-Frame-Options"] == "SAMEORIGIN" and mine.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'self'" in one.headers["Content-Security-Policy"]


def test_a_form_in_a_slot_posts_with_the_slots_csrf_cookie_and_not_the_main_one(
    live_url, host, host_key, emma
):
    emma_key = slot_key(live_url, 1, "emma", host_key)
    page = get(live_url, "/phone/1/accounts/me/profile/", sessionid=host_key, sessionid_1=emma_key)
    assert page.status == 200
    token = page.cookie("csrftoken_1")
    assert token and page.cookie("csrftoken") is None
    assert "Path=/phone/1/" in page.cookie_header("csrftoken_1")


def test_switching_a_slot_to_another_person_gives_it_a_new_session(live_url, host, host_key, emma, tom):
    emma_key = slot_key(live_url, 1, "emma", host_key)
    again = enter(live_url, 1, "tom", host_key, sessionid_1=emma_key)
    assert again.status == 302 and again.cookie("sessionid_1") not in (None, emma_key)
    assert (
        "Tom McDonald"
        in get(
            live_url, "/phone/1/accounts/me/", sessionid=host_key, sessionid_1=again.cookie("sessionid_1")
        ).text
    )
    assert (
        get(live_url, "/phone/1/accounts/me/", sessionid=host_key, sessionid_1=emma_key).status == 302
    )  # Emma's is gone


# --- Who may open a slot, and as whom ------------------------------------------------------------------


def test_only_a_demo_hosts_browser_may_use_a_slot(live_url, host, host_key, emma, liwei):
    emma_key = slot_key(live_url, 1, "emma", host_key)
    assert get(live_url, "/phone/1/accounts/me/", sessionid_1=emma_key).status == 404  # no main session
    attendee = session_key_for(liwei)
    assert get(live_url, "/phone/1/accounts/me/", sessionid=attendee, sessionid_1=emma_key).status == 404
    assert enter(live_url, 1, "emma", attendee).status == 404
    assert enter(live_url, 1, "emma", "not-a-session").status == 404


def test_a_slot_logs_in_sample_people_only_never_staff_or_anyone_else(live_url, host, host_key, cast):
    moderator = User.objects.get(username="moderator")
    assert moderator.is_staff
    User.objects.create_user(username="stranger", password="a-long-password-1")
    for who in ("moderator", "stranger", "nobody", ""):
        answer = enter(live_url, 1, who, host_key)
        assert answer.status == 404, who
        assert answer.cookie("sessionid_1") is None


def test_the_slot_login_is_not_reachable_outside_a_slot(live_url, host, host_key, emma):
    answer = get(live_url, "/workshop/phones/enter/?person=emma", sessionid=host_key)
    assert answer.status == 404 and not answer.cookies


@pytest.mark.parametrize(
    "path", ["/phone/0/accounts/me/", "/phone/5/accounts/me/", "/phone/x/accounts/me/", "/phone/", "/phone/1"]
)
def test_a_slot_outside_one_to_four_is_not_found(live_url, host, host_key, path):
    assert get(live_url, path, sessionid=host_key).status == 404


# --- A slot's session never leaves its prefix -----------------------------------------------------------


def test_a_slot_session_cannot_be_used_without_its_prefix(live_url, host, host_key, emma, tom, settings):
    emma_key = slot_key(live_url, 1, "emma", host_key)
    # Outside the prefix a slot cookie is nobody's session...
    assert get(live_url, "/accounts/me/", sessionid_1=emma_key).location.startswith("/accounts/login/")
    # ...next to the host's it changes nothing: the host's page...
    assert "James Taylor" in get(live_url, "/accounts/me/", sessionid=host_key, sessionid_1=emma_key).text
    # ...and in another slot it is not that slot's.
    other = get(live_url, "/phone/2/accounts/me/", sessionid=host_key, sessionid_1=emma_key)
    assert other.status == 302 and other.location.startswith("/phone/2/accounts/login/")
    other = get(
        live_url, "/phone/2/accounts/me/", sessionid=host_key, sessionid_2=emma_key
    )  # renamed by hand
    assert other.status == 302 and other.location.startswith("/phone/2/accounts/login/")
    # The cookie holds the session's key signed for its slot: copied into the main session's cookie it is
    # nobody's session, with DEMO_MODE on or off.
    assert get(live_url, "/accounts/me/", sessionid=emma_key).location.startswith("/accounts/login/")
    assert slots.unseal(emma_key, 1) and slots.unseal(emma_key, 2) is None
    settings.DEMO_MODE = False
    assert get(live_url, "/accounts/me/", sessionid=emma_key).location.startswith("/accounts/login/")


def test_outside_the_prefix_nothing_sets_a_slot_cookie(live_url, host, host_key):
    answer = get(live_url, "/accounts/login/")
    assert answer.cookies and not any(re.match(r"\w+_\d=", c) for c in answer.cookies)


def test_with_demo_mode_off_the_prefix_is_not_found_and_the_middleware_inert(
    live_url, host, host_key, emma, settings
):
    emma_key = slot_key(live_url, 1, "emma", host_key)
    settings.DEMO_MODE = False
    for path in ("/phone/1/accounts/me/", "/phone/1/workshop/phones/enter/?person=emma"):
        answer = get(live_url, path, sessionid=host_key, sessionid_1=emma_key)
        assert answer.status == 404 and not answer.cookies
    assert "James Taylor" in get(live_url, "/accounts/me/", sessionid=host_key).text


def test_a_chat_photo_is_read_through_the_slot_with_the_slots_session(live_url, host, host_key, emma, tom):
    """The server names a photo by its site-wide URL (/media/...); a frame reads it under its prefix (realtime.js)."""
    from io import BytesIO

    from PIL import Image

    request = accounts.friend_request_send(sender=emma, recipient=tom)
    accounts.friend_request_accept(actor=tom, request_id=request.pk)
    conv = chat.conversation_direct_get_or_create(a=emma, b=tom)
    photo = BytesIO()
    Image.new("RGB", (64, 48), (7, 193, 96)).save(photo, format="PNG")
    photo.seek(0)
    photo.name = "photo.png"
    url = chat.message_send_image(sender=emma, conversation=conv, upload=photo).payload["thumb"]
    assert url.startswith("/media/")
    tom_key = slot_key(live_url, 2, "tom", host_key)
    assert get(live_url, "/phone/2" + url, sessionid=host_key, sessionid_2=tom_key).status == 200
    assert get(live_url, url, sessionid=host_key).status in (403, 404)  # the presenter is not in that chat


# --- Websockets ---------------------------------------------------------------------------------------------


async def open_socket(base: str, path: str, cookie: str):
    return await websockets.connect(
        base.replace("http://", "ws://") + path,
        additional_headers={"Cookie": cookie, "Origin": base},
        ping_interval=None,
    )


async def next_of(ws, kind: str) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if frame["type"] == kind:
            return frame


def test_each_slot_has_its_own_websocket_as_its_person(live_url, host, host_key, emma, liwei):
    emma_key = slot_key(live_url, 1, "emma", host_key)
    conv = chat.conversation_direct_get_or_create(a=liwei, b=emma)

    async def scenario():
        ws = await open_socket(live_url, "/phone/1/ws/", f"sessionid={host_key}; sessionid_1={emma_key}")
        await next_of(ws, "hello")
        await asyncio.to_thread(chat.message_send, sender=liwei, conversation=conv, text="Kia ora Emma")
        frame = await next_of(ws, "chat.message")
        await ws.close()
        return frame

    assert "Kia ora Emma" in json.dumps(asyncio.run(scenario()), ensure_ascii=False)


def test_a_slot_websocket_needs_the_hosts_browser_and_demo_mode(live_url, host, host_key, emma, settings):
    emma_key = slot_key(live_url, 1, "emma", host_key)

    async def refused(path, cookie):
        try:
            ws = await open_socket(live_url, path, cookie)
        except websockets.InvalidStatus:
            return True
        await ws.close()
        return False

    assert asyncio.run(refused("/phone/1/ws/", f"sessionid_1={emma_key}"))
    assert asyncio.run(refused("/phone/7/ws/", f"sessionid={host_key}"))
    settings.DEMO_MODE = False
    assert asyncio.run(refused("/phone/1/ws/", f"sessionid={host_key}; sessionid_1={emma_key}"))


# --- The pieces ---------------------------------------------------------------------------------------------


def test_cookies_reach_django_renamed_for_the_slot_and_none_of_the_main_sessions_or_other_slots():
    emma, tom = slots.seal("emma" * 8, 1), slots.seal("tom0" * 8, 2)
    header = f"sessionid=HOST; csrftoken=MAIN; sessionid_1={emma}; csrftoken_1=T1; sessionid_2={tom}; django_language=zh-hans; tz=Asia/Shanghai"
    cookies, main = slots.cookies_in(header, 1)
    assert main == "HOST"
    assert cookies == f"sessionid={'emma' * 8}; csrftoken=T1; django_language=zh-hans; tz=Asia/Shanghai"
    # A slot cookie that is not a sealed key (made by hand, or another slot's) is dropped, not passed on.
    assert slots.cookies_in(f"sessionid_1=EMMA; sessionid_2={emma}", 2)[0] == ""
    assert slots.cookies_in(f"sessionid_2={emma}", 2)[0] == ""


def test_a_sealed_session_key_opens_in_its_own_slot_only():
    key = "abcdefghijklmnopqrstuvwxyz012345"
    sealed = {n: slots.seal(key, n) for n in slots.SLOTS}
    assert len(set(sealed.values())) == 4 and key not in sealed.values()
    for n, value in sealed.items():
        assert [slots.unseal(value, m) == key for m in slots.SLOTS] == [m == n for m in slots.SLOTS]
    assert slots.seal("", 1) == ""  # a deleted cookie stays empty
    for junk in ("", "zz", key, sealed[1].replace(key, key.upper())):
        assert slots.unseal(junk, 1) is None


def test_a_set_cookie_from_a_slot_is_renamed_and_held_to_its_path():
    out = slots.cookie_out(
        "sessionid=abc; expires=Thu, 01 Jan 2027 00:00:00 GMT; HttpOnly; Path=/; SameSite=Lax", 3, "/phone/3/"
    )
    sealed = slots.seal("abc", 3)
    assert (
        out
        == f"sessionid_3={sealed}; expires=Thu, 01 Jan 2027 00:00:00 GMT; HttpOnly; SameSite=Lax; Path=/phone/3/"
    )
    assert slots.cookie_out("csrftoken=t; Path=/", 3, "/phone/3/") == "csrftoken_3=t; Path=/phone/3/"
    deleted = slots.cookie_out(
        'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/', 3, "/phone/3/"
    )
    assert deleted.startswith("sessionid_3=;") and deleted.endswith("Path=/phone/3/")
    assert slots.cookie_out("django_language=en; Path=/", 3, "/phone/3/") == "django_language=en; Path=/"


def test_slot_paths():
    assert [
        slots.slot_of(p)
        for p in ("/phone/1/", "/phone/4/ws/", "/phone/5/", "/phone//", "/phones/", "/accounts/me/")
    ] == [
        1,
        4,
        False,
        False,
        None,
        None,
    ]
    assert slots.slot_of("/app/phone/2/accounts/me/", "/app") == 2


def test_cookie_names_follow_settings(settings):
    settings.SESSION_COOKIE_NAME = "sid"
    assert slots.cookies_in(f"sid=H; sid_2={slots.seal('p' * 32, 2)}", 2) == ("sid=" + "p" * 32, "H")


@pytest.mark.parametrize(("demo_mode", "path"), [(False, "/phone/1/accounts/me/"), (True, "/accounts/me/")])
def test_the_middleware_passes_a_request_on_untouched_with_demo_mode_off_or_outside_the_prefix(
    settings, demo_mode, path
):
    settings.DEMO_MODE = demo_mode
    seen, sent = [], []

    async def app(scope, receive, send):
        seen.append(scope)
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"set-cookie", b"sessionid=x")]}
        )

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "path": path,
        "root_path": "",
        "headers": [(b"cookie", b"sessionid_1=a; sessionid=b")],
    }
    asyncio.run(slots.PhoneSlots(app)(scope, None, send))
    assert seen == [scope] and seen[0] is scope  # the same scope: no root_path, no cookie swapped
    assert sent[0]["headers"] == [(b"set-cookie", b"sessionid=x")]
