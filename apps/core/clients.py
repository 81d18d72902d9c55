"""The app's own client, speaking to it as a phone does: `Browser` (an HTTP/1.1 keep-alive connection and a
cookie jar, forms posted with their CSRF token) and `ChatClient` (the realtime websocket protocol, as
static/js/chat.js speaks it: every message of a conversation by seq, deduplicated by id, holes filled with
`chat.sync`, so its guarantee does not rest on the channel layer).

Rehearsal bots (apps.workshop.bots) are made of them, and so are the benchmarks in bench/ and the tests
that drive a real server: one client, not one per caller.
"""

import asyncio
import contextlib
import itertools
import json
import os
import re
import secrets
import time
from urllib.parse import urlencode

import h11
import websockets

TIMEOUT = float(os.environ.get("HTTP_TIMEOUT", "60"))  # seconds an HTTP answer may take (then TimeoutError)


class Browser:
    """One person's browser: a keep-alive HTTP/1.1 connection and a cookie jar."""

    def __init__(self, base: str, cookie: str = ""):
        self.host, self.port = base.removeprefix("http://").split(":")
        self.cookies: dict[str, str] = {}
        for part in filter(None, cookie.split("; ")):
            name, _, value = part.partition("=")
            self.cookies[name] = value
        self._io = None

    def give_csrf_cookie(self) -> str:
        """The csrftoken cookie a browser holds after any page of the app (pages set one)."""
        self.cookies.setdefault(
            "csrftoken", secrets.token_urlsafe(24)[:32].replace("-", "a").replace("_", "b")
        )
        return self.cookies["csrftoken"]

    async def request(self, method: str, path: str, *, form: dict | None = None, headers=()) -> tuple:
        """(status, headers dict, body bytes); reconnects once if the server closed the connection.
        No answer within TIMEOUT seconds raises TimeoutError (a benchmark counts it, never hangs)."""
        for attempt in (1, 2):
            try:
                return await asyncio.wait_for(self._request(method, path, form, headers), TIMEOUT)
            except (ConnectionError, h11.RemoteProtocolError, asyncio.IncompleteReadError) as exc:
                await self.close()
                if attempt == 2:
                    raise ConnectionError(str(exc)) from exc
            except TimeoutError:
                await self.close()
                raise
        raise AssertionError

    async def _request(self, method, path, form, extra):
        if self._io is None:
            reader, writer = await asyncio.open_connection(self.host, int(self.port))
            self._io = (reader, writer, h11.Connection(h11.CLIENT))
        reader, writer, conn = self._io
        body = urlencode(form).encode() if form is not None else b""
        headers = [("Host", f"{self.host}:{self.port}"), ("User-Agent", "socialdemo-bench")]
        if self.cookies:
            headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items())))
        if form is not None:
            headers += [
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Content-Length", str(len(body))),
            ]
        if method == "POST":
            headers.append(("Origin", f"http://{self.host}:{self.port}"))
        headers += list(extra)
        writer.write(conn.send(h11.Request(method=method, target=path, headers=headers)))
        if body:
            writer.write(conn.send(h11.Data(data=body)))
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()
        response, chunks = None, []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                if not data:
                    raise ConnectionError("server closed the connection")
                conn.receive_data(data)
            elif isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
        answer = {}
        for name, value in response.headers:
            name, value = name.decode().lower(), value.decode()
            if name == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                self.cookies[cookie_name] = rest.split(";", 1)[0]
            answer[name] = value
        if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
            conn.start_next_cycle()
        else:
            await self.close()
        return response.status_code, answer, b"".join(chunks)

    async def close(self):
        if self._io is not None:
            self._io[1].close()
            self._io = None


def hidden_inputs(html: bytes, *, field: str) -> dict[str, str]:
    """The hidden fields (CSRF token, idempotency key, next) of the page's form that has `field`, as a
    browser would submit them."""
    for form in re.findall(rb"<form\b.*?</form>", html, flags=re.DOTALL):
        if f'name="{field}"'.encode() not in form:
            continue
        fields = {}
        for tag in re.findall(rb"<input[^>]*type=\"hidden\"[^>]*>", form):
            name = re.search(rb'name="([^"]*)"', tag)
            value = re.search(rb'value="([^"]*)"', tag)
            if name:
                fields[name.group(1).decode()] = value.group(1).decode() if value else ""
        return fields
    raise AssertionError(f"no form with a {field!r} field on the page")


class ChatClient:
    def __init__(self, base_url: str, cookie: str, conversation: int | None = None, ws_base: str = ""):
        """`ws_base`: where the websocket goes when websockets have workers of their own (docs/deploy.md: the
        proxy sends /ws/ there); the page's own origin otherwise."""
        self.base = base_url
        self.ws_url = (ws_base or base_url).replace("http://", "ws://") + "/ws/"
        self.cookie = cookie
        self.conversation = conversation
        self.by_seq: dict[int, dict] = {}
        self.ids: set[int] = set()
        self.live_ids: set[int] = set()
        self.duplicate_events = 0
        self.live_events = 0
        self.latencies: list[float] = []  # seconds from the sender's stamp to arrival here
        self.errors: list[dict] = []
        self._pending: dict[str, asyncio.Future] = {}
        self._refs = itertools.count(1)
        self._reader = None
        self.ws = None
        self.arrived = asyncio.Event()

    async def connect(self):
        self.ws = await websockets.connect(
            self.ws_url,
            additional_headers={"Cookie": self.cookie, "Origin": self.base},
            max_size=2**22,
            open_timeout=30,
            ping_interval=None,
        )
        self._reader = asyncio.ensure_future(self._read())
        return self

    async def close(self):
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()

    async def _read(self):
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                ref = frame.get("ref")
                if kind in ("ack", "error") and ref in self._pending:
                    future = self._pending.pop(ref)
                    if not future.done():
                        future.set_result(frame)
                    continue
                if kind == "error":
                    self.errors.append(frame)
                if kind == "chat.message":
                    message = frame["data"]["message"]
                    if self.conversation is None or message["conversation"] == self.conversation:
                        self.live_events += 1
                        self._keep(message, live=True)
                elif kind != "error":
                    self.on_event(frame)
        except (websockets.ConnectionClosed, asyncio.CancelledError):
            pass

    def on_event(self, frame: dict):
        """Any other event (a shake's match, a card's change): for subclasses (apps/workshop/bots.py)."""

    def _keep(self, message: dict, *, live: bool = False):
        if live:
            # A live event for a message already fetched by chat.sync is the normal late copy;
            # the same message arriving live twice would be a real duplicate from the server.
            if message["id"] in self.live_ids:
                self.duplicate_events += 1
            self.live_ids.add(message["id"])
        if message["id"] in self.ids:
            return
        self.ids.add(message["id"])
        self.by_seq[message["seq"]] = message
        text = message.get("text", "")
        if live and text.startswith("t="):
            with contextlib.suppress(ValueError):
                self.latencies.append(time.time() - float(text.split()[0][2:]))
        self.arrived.set()

    async def request(self, type_: str, data: dict, timeout: float = 30) -> dict:
        ref = f"r{next(self._refs)}"
        future = asyncio.get_running_loop().create_future()
        self._pending[ref] = future
        await self.ws.send(json.dumps({"type": type_, "ref": ref, "data": data}))
        return await asyncio.wait_for(future, timeout)

    async def send_text(self, text: str, client_id: str | None = None) -> dict:
        data = {"conversation": self.conversation, "text": text}
        if client_id:
            data["client_id"] = client_id
        return await self.request("chat.send", data)

    @property
    def contiguous(self) -> int:
        """The highest seq with nothing missing before it."""
        seq = 0
        while seq + 1 in self.by_seq:
            seq += 1
        return seq

    async def sync(self) -> int:
        """Fetch everything after the last contiguous seq, as the browser does after a hole or reconnect."""
        fetched = 0
        while True:
            answer = await self.request(
                "chat.sync", {"conversation": self.conversation, "after": self.contiguous, "limit": 200}
            )
            messages = answer["data"]["messages"]
            for message in messages:
                self._keep(message)
            fetched += len(messages)
            if len(messages) < 200:
                return fetched

    def ordered(self) -> list[dict]:
        return [self.by_seq[s] for s in sorted(self.by_seq)]
