"""A Python chat client speaking the app's websocket protocol, as static/js/chat.js does.

It keeps every message of one conversation by seq, dedupes by id, notices holes in the sequence and
fills them with `chat.sync` (the guarantee does not rest on the channel layer). Used by the burst tests
in tests/chat and by bench/bench_chat_fanout.py.
"""

import asyncio
import contextlib
import itertools
import json
import time

import websockets


class ChatClient:
    def __init__(self, base_url: str, cookie: str, conversation: int | None = None):
        self.base = base_url
        self.ws_url = base_url.replace("http://", "ws://") + "/ws/"
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
