"""Phone slots: `/phone/<n>/...` is the whole site again, as a separate browser session, for the side-by-side page.

An ASGI middleware, in front of Django (HTTP) and Channels (websockets). For a request under `/phone/<n>/`
(n = 1..4) in DEMO_MODE it
- moves the prefix into the ASGI `root_path`, so Django's script prefix puts every `reverse()`d link, form
  action and redirect (and base.html's websocket URL) under the prefix again: the frame stays in its slot;
- swaps the cookies: the slot's `sessionid_<n>`, `csrftoken_<n>`, `messages_<n>` reach Django as `sessionid`,
  `csrftoken`, `messages`, and the main session's cookies of those names are removed; the answer's Set-Cookie
  for them is renamed back and limited to `Path=/phone/<n>/`, so the browser never sends a slot's cookies
  anywhere else and the main session's are never replaced from inside a frame. The slot's session cookie holds
  its key signed for that slot (`seal`): copied as it is anywhere else it names no session;
- serves only a browser whose main session is a demo host's (404 for anyone else), and tells the slot-login
  view who that host is (scope["workshop_host"]);
- lets the answer be framed by this site only (X-Frame-Options SAMEORIGIN, frame-ancestors 'self').
Everything else, and everything with DEMO_MODE off, passes through untouched (the prefix is then a 404 of
Django's). The frames are on the page's own origin, so no browser treats their cookies as third-party.
"""

import re

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import signing

from . import access

PREFIX = "/phone/"
SLOTS = range(1, 5)
HOST = "workshop_host"  # the scope key: the demo host's user id, for a request in a slot
SLOT = "workshop_slot"  # the scope key: the slot's number
_SLOT_PATH = re.compile(r"/phone/([^/]*)/")


def slotted_cookies() -> tuple[str, ...]:
    """The cookies each slot keeps its own copy of (the language and time zone stay the presenter's)."""
    return (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, CookieStorage.cookie_name)


def slot_of(path: str, root_path: str = "") -> int | bool | None:
    """The slot a path is in: its number; False for a path under the prefix that names no slot; None outside."""
    if not path.startswith(root_path + PREFIX):
        return None
    match = _SLOT_PATH.match(path, len(root_path))
    if match is None or match[1] not in {str(n) for n in SLOTS}:
        return False
    return int(match[1])


def slot_root(slot: int, root_path: str = "") -> str:
    """The slot's script prefix (no trailing slash, as ASGI's root_path)."""
    return f"{root_path}{PREFIX}{slot}"


def _signer(slot: int) -> signing.Signer:
    return signing.Signer(salt=f"apps.workshop.slots.{slot}")


def seal(session_key: str, slot: int) -> str:
    """The value a slot's session cookie holds for `session_key`: the key signed for that slot (Django's
    signing, salted by slot), so, copied as it is into the main session's cookie or another slot's, it names no
    session. (The browser is the presenter's own, who may open any sample person anyway: this stops mix-ups,
    not them.)"""
    return _signer(slot).sign(session_key) if session_key else session_key  # a deleted cookie stays empty


def unseal(value: str, slot: int) -> str | None:
    """The session key a slot's cookie value holds, or None for anything `seal` did not make for this slot."""
    try:
        return _signer(slot).unsign(value) or None
    except signing.BadSignature:
        return None


def cookies_in(header: str, slot: int) -> tuple[str, str | None]:
    """(the Cookie header Django sees in `slot`, the main session's key): the slot's own cookies under their
    ordinary names, the main session's copies of them and every other slot's removed, the rest as they are."""
    names = slotted_cookies()
    suffixed = {f"{name}_{slot}": name for name in names}
    other_slots = re.compile(rf"^(?:{'|'.join(map(re.escape, names))})_\d+$")
    kept, main_session = [], None
    for piece in header.split(";"):
        piece = piece.strip()
        name, _eq, value = piece.partition("=")
        if name == settings.SESSION_COOKIE_NAME:
            main_session = value.strip('"')
        if name == f"{settings.SESSION_COOKIE_NAME}_{slot}":
            key = unseal(value.strip('"'), slot)
            if key:
                kept.append(f"{settings.SESSION_COOKIE_NAME}={key}")
        elif name in suffixed:
            kept.append(f"{suffixed[name]}={value}")
        elif name and name not in names and not other_slots.match(name):
            kept.append(piece)
    return "; ".join(kept), main_session


def cookie_out(header: str, slot: int, path: str) -> str:
    """A Set-Cookie header from inside `slot`: a slotted cookie renamed for the slot and held to its path."""
    name, _eq, rest = header.partition("=")
    if name.strip() not in slotted_cookies():
        return header
    value, *attributes = rest.split(";")
    if name.strip() == settings.SESSION_COOKIE_NAME:
        value = seal(value.strip('"'), slot)
    attributes = [a for a in attributes if not a.strip().lower().startswith("path=")]
    return "; ".join([f"{name.strip()}_{slot}={value}", *(a.strip() for a in attributes), f"Path={path}"])


def _framed(headers: list, slot: int, cookie_path: str) -> list:
    """The answer's headers for a frame of this site, its cookies kept in the slot."""
    out = []
    for key, value in headers:
        lower = key.lower()
        if lower == b"set-cookie":
            value = cookie_out(value.decode("latin-1"), slot, cookie_path).encode("latin-1")
        elif lower == b"x-frame-options":
            value = b"SAMEORIGIN"
        elif lower == b"content-security-policy":
            value = value.replace(b"frame-ancestors 'none'", b"frame-ancestors 'self'")
        out.append((key, value))
    return out


class PhoneSlots:
    """ASGI middleware: serve `/phone/<n>/...` as an independent session of the same site (see the module)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or not access.enabled():
            return await self.app(scope, receive, send)
        root_path = scope.get("root_path", "")
        slot = slot_of(scope["path"], root_path)
        if slot is None:
            return await self.app(scope, receive, send)
        cookie_header = b"; ".join(v for k, v in scope.get("headers", []) if k.lower() == b"cookie")
        cookies, main_session = cookies_in(cookie_header.decode("latin-1"), slot) if slot else ("", None)
        host = await database_sync_to_async(access.host_of_session)(main_session) if main_session else None
        if not slot or host is None:
            return await _not_found(scope, receive, send)
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"cookie"]
        if cookies:
            headers.append((b"cookie", cookies.encode("latin-1")))
        prefix = slot_root(slot, root_path)
        inner = {**scope, "root_path": prefix, "headers": headers, HOST: host, SLOT: slot}
        cookie_path = prefix + "/"

        async def framed_send(message):
            if message["type"] in ("http.response.start", "websocket.accept") and "headers" in message:
                message = {**message, "headers": _framed(message["headers"], slot, cookie_path)}
            await send(message)

        return await self.app(inner, receive, framed_send)


async def _not_found(scope, receive, send):
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 4404})  # before accepting: the handshake is refused
        return
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": b"Not Found"})
