"""Rehearsal bots: simulated attendees who join by the real path and use the app as a room would, so a presenter
can rehearse alone, and bench/bench_workshop_room.py has a realistic load (it runs these same bots).

A bot is a browser over HTTP (apps.core.clients.Browser: cookies, CSRF, keep-alive) and one websocket
(apps.core.clients.ChatClient): it opens the console's join URL, types a name and is in; then, at human
pace with jitter, it chats in the workshop group, grabs each red packet whose card appears, throws and picks
drift bottles, shakes (People Nearby at a demo spot first) and posts on the workshop's Weibo topic. Every bot stops by itself at its run's end.

The console's button runs `manage.py workshop_bots` as a subprocess (`start`), not in a thread of the server:
a worker that served 50 bots' clients from its own event loop and GIL would slow every real request it serves,
and with several workers a thread belongs to one of them while "stop" may reach another. The run is recorded
in the shared cache (what it is, until when, its process id), so any worker shows it and stops it (SIGTERM to
its process group, after checking the process is still a workshop_bots run). It also stops by itself: the
command's own deadline, whatever happens to the server.
"""

import asyncio
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from apps.core.clients import Browser, ChatClient, hidden_inputs
from apps.core.errors import DomainError

from . import access, scenes

RUN_KEY = "workshop.bots.run"
MAX_COUNT = 200  # the join limit per network address is 400 an hour (settings): two full runs fit
MAX_MINUTES = 30
DEFAULT_COUNT, DEFAULT_MINUTES = 50, 3
JOIN_SPREAD = 30  # seconds over which a run's bots arrive (a room scanning the code)
FAREWELL = 30  # seconds a run's end waits for its bots to leave before cancelling them
STARTING_SECONDS = 30  # the record of a run being started, before its process is known
PACE = (6.0, 20.0)  # seconds between a bot's actions
GRAB_DELAY = (0.4, 2.5)  # seconds from a packet's card to the tap, as a thumb would
FIRST_NAMES = ["Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lena", "Mo",
               "Nia", "Omar", "Pia", "Quinn", "Raj", "Sara", "Tess", "Uma", "Vik", "Wen", "Yara", "Zoe"]  # fmt: skip
CHAT_LINES = ["Hello from the back row! 👋", "大家好！", "Is the red packet still there?", "这个功能太好玩了",
              "How do I shake?", "Got ¥1.23 😂", "谢谢分享！", "Which city are you in?", "👍👍", "学到了"]  # fmt: skip
HELLOS = ["Hi all, %(name)s here 👋", "大家好，我是 %(name)s", "Hello from %(name)s!"]
WEIBO_LINES = ["Learning how Weibo works, live!", "现场学习微博热搜", "Posting from the workshop 📱"]
BOTTLE_LINES = ["A bottle from the workshop 🍾", "你好，陌生人！", "Greetings from a rehearsal bot"]


# --- Starting and stopping a run from the console -----------------------------------------------------------


def status() -> dict | None:
    """The run going on now ({"pid", "count", "minutes", "until"}), or None (none, or its process has ended)."""
    run = cache.get(RUN_KEY)
    if not run or not run["pid"] or not _is_bots(run["pid"]):
        return None
    return run


def start(*, actor, count, minutes, base_url: str) -> dict:
    """Start `count` bots for `minutes` against `base_url` (this server, as the console's request reached it)."""
    access.check_host(actor)
    try:
        count, minutes = int(count), float(minutes)
    except (TypeError, ValueError):
        raise DomainError(_("Enter how many bots and for how many minutes."), code="malformed") from None
    if not (1 <= count <= MAX_COUNT and 0 < minutes <= MAX_MINUTES):
        raise DomainError(
            _("From 1 to %(count)s bots, for up to %(minutes)s minutes.")
            % {"count": MAX_COUNT, "minutes": MAX_MINUTES},
            code="malformed",
        )
    if not base_url.startswith("http://"):
        raise DomainError(
            _("Bots speak plain HTTP: run manage.py workshop_bots --url http://… on the server instead."),
            code="https",
        )
    earlier = cache.get(RUN_KEY)
    if earlier and earlier["pid"] and not _is_bots(earlier["pid"]):
        cache.delete(RUN_KEY)  # the record of a run that has ended
    # One run at a time, whichever worker two hosts' presses reach: the record is added, never overwritten.
    if not cache.add(RUN_KEY, {"pid": 0}, timeout=STARTING_SECONDS):
        raise DomainError(_("Bots are already running."), code="busy")
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "workshop_bots",
               "--count", str(count), "--minutes", str(minutes), "--url", base_url, "--quiet"]  # fmt: skip
    try:
        proc = subprocess.Popen(  # our own command; the numbers are checked above
            command,
            cwd=settings.BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped as one, and not by a signal to the worker
        )
    except OSError:
        cache.delete(RUN_KEY)
        raise
    threading.Thread(target=proc.wait, name="workshop-bots-reaper", daemon=True).start()
    # Real seconds (not the app's clock, which the time machine moves): a process's lifetime.
    run = {"pid": proc.pid, "count": count, "minutes": minutes, "until": time.time() + minutes * 60}
    cache.set(RUN_KEY, run, timeout=int(minutes * 60 + FAREWELL + 30))
    return run


def stop(*, actor) -> bool:
    """Stop the running bots (they close their connections and leave); False if none were running."""
    access.check_host(actor)
    run = cache.get(RUN_KEY)
    cache.delete(RUN_KEY)
    if not run or not _is_bots(run["pid"]):
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(run["pid"], signal.SIGTERM)
    return True


def _is_bots(pid: int) -> bool:
    """Whether process `pid` is still a workshop_bots run (a finished one's number may be reused)."""
    try:
        return b"workshop_bots" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


# --- What a run did -------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts and latencies (ms) of every bot of a run, by action; errors by what failed."""

    joined: int = 0
    done: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    latency: dict[str, list[float]] = field(default_factory=dict)
    sent_at: dict[str, float] = field(default_factory=dict)  # client_id -> when sent: delivery latency

    def took(self, action: str, started: float) -> None:
        self.latency.setdefault(action, []).append((time.perf_counter() - started) * 1000)

    def lines(self) -> list[str]:
        out = [f"joined: {self.joined}"]
        out += [f"{what}: {n}" for what, n in sorted(self.done.items())]
        for action, values in sorted(self.latency.items()):
            ordered = sorted(values)
            p50, p99 = (ordered[min(len(ordered) - 1, int(len(ordered) * q))] for q in (0.5, 0.99))
            out.append(f"{action}: {len(values)} timed, p50 {p50:.0f} ms, p99 {p99:.0f} ms")
        out += [f"error {what}: {n}" for what, n in sorted(self.errors.items())]
        return out


# --- One bot ----------------------------------------------------------------------------------------------------


class BotSocket(ChatClient):
    """The bot's websocket: the chat client, telling its bot about red-packet cards and shake matches."""

    def __init__(self, bot: "Bot", cookie: str):
        super().__init__(bot.base, cookie, bot.group, ws_base=bot.ws_base)
        self.bot = bot

    def _keep(self, message, *, live=False):
        if live and message["id"] not in self.ids:
            self.bot.seen(message)
        super()._keep(message, live=live)

    def on_event(self, frame):
        if frame.get("type") == "nearby.shake.matched":
            self.bot.tally.done["shake matched"] += 1


class Bot:
    def __init__(
        self, base: str, join_path: str, name: str, tally: Tally, rng: random.Random, ws_base: str = ""
    ):
        self.base, self.join_path, self.name, self.tally, self.rng = base, join_path, name, tally, rng
        self.ws_base = ws_base
        self.browser = Browser(base)
        self.socket: BotSocket | None = None
        self.group: int | None = None
        self.grabbing: set[int] = set()
        self.tasks: set[asyncio.Task] = set()
        self.sent = 0

    async def _http(self, action: str, method: str, path: str, **kwargs):
        """One request, timed under `action`; (status, headers, body), or None after counting the error."""
        started = time.perf_counter()
        try:
            answer = await self.browser.request(method, path, **kwargs)
        except (OSError, TimeoutError) as exc:
            self.tally.errors[f"{action}: {type(exc).__name__}"] += 1
            return None
        self.tally.took(action, started)
        if answer[0] >= 500:
            self.tally.errors[f"{action}: HTTP {answer[0]}"] += 1
            return None
        return answer

    def _form(self, **fields) -> dict:
        return {"csrfmiddlewaretoken": self.browser.give_csrf_cookie(), **fields}

    async def join(self) -> bool:
        """The console's code opened on a phone: the page, a name, and in the workshop group."""
        page = await self._http("join page", "GET", self.join_path)
        if page is None:
            return False
        if page[0] != 200:  # the code closed, renewed or DEMO_MODE off (404)
            self.tally.errors[f"join page: HTTP {page[0]}"] += 1
            return False
        form = {**hidden_inputs(page[2], field="name"), "name": self.name}
        answer = await self._http("join", "POST", self.join_path, form=form)
        found = re.search(r"/chats/(\d+)/", answer[1].get("location", "")) if answer else None
        if answer is None or answer[0] != 302 or not found:
            if answer is not None:
                self.tally.errors[f"join: HTTP {answer[0]}"] += 1
            return False
        self.group = int(found.group(1))
        self.tally.joined += 1
        return True

    async def connect(self) -> bool:
        cookie = "; ".join(f"{k}={v}" for k, v in self.browser.cookies.items())
        started = time.perf_counter()
        try:
            self.socket = await BotSocket(self, cookie).connect()
        except Exception as exc:  # refused, closed or no answer in time: counted
            self.tally.errors[f"websocket: {type(exc).__name__}"] += 1
            return False
        self.tally.took("websocket open", started)
        return True

    async def _ask(self, action: str, kind: str, data: dict) -> dict | None:
        """A websocket request, timed; its ack's data, or None after counting the error."""
        started = time.perf_counter()
        try:
            frame = await self.socket.request(kind, data)
        except Exception as exc:  # a closed socket or no answer in time: counted
            self.tally.errors[f"{action}: {type(exc).__name__}"] += 1
            return None
        self.tally.took(action, started)
        if frame.get("type") != "ack":
            self.tally.errors[f"{action}: {frame.get('data', {}).get('code', 'refused')}"] += 1
            return None
        return frame.get("data", {})

    async def chat(self, text: str | None = None) -> bool:
        self.sent += 1
        client_id = f"bot-{id(self):x}-{self.sent}"
        self.tally.sent_at[client_id] = time.time()
        ack = await self._ask("chat send", "chat.send", {
            "conversation": self.group, "text": text or self.rng.choice(CHAT_LINES), "client_id": client_id,
        })  # fmt: skip
        if ack is not None:
            self.tally.done["messages sent"] += 1
        return ack is not None

    def seen(self, message: dict) -> None:
        """A live message in the group: its delivery latency; a red packet's card: grab it, as a thumb would."""
        sent = self.tally.sent_at.get(message.get("client_id") or "")
        if sent is not None:
            self.tally.latency.setdefault("chat delivery", []).append((time.time() - sent) * 1000)
        if message.get("kind") == "wallet_packet":
            packet = (message.get("payload") or {}).get("packet")
            if packet and packet not in self.grabbing:
                self.grabbing.add(packet)
                self._later(self.grab(packet, delay=self.rng.uniform(*GRAB_DELAY)))

    def _later(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def grab(self, packet: int, *, delay: float = 0.0) -> str:
        """Tap the card (its state), then open it: "share", "too_late", … (what the server said)."""
        await asyncio.sleep(delay)
        await self._http("packet state", "GET", f"/wallet/packets/{packet}/state/")
        headers = [("X-CSRFToken", self.browser.give_csrf_cookie()), ("Accept", "application/json")]
        answer = await self._http("grab", "POST", f"/wallet/packets/{packet}/grab/", headers=headers)
        if answer is None:
            return "error"
        try:
            body = json.loads(answer[2])
        except ValueError:
            body = {}
        outcome = "share" if body.get("ok") else body.get("code") or f"HTTP {answer[0]}"
        self.tally.done[f"grab: {outcome}"] += 1
        return outcome

    async def be_nearby(self) -> bool:
        """People Nearby at a demo spot in Shanghai, visible for an hour (Shake needs it)."""
        form = self._form(source="demo", city="shanghai", x=str(self.rng.randint(30, 70)),
                          y=str(self.rng.randint(30, 70)), period="1h", mode="visible")  # fmt: skip
        answer = await self._http("nearby location", "POST", "/nearby/location/", form=form)
        ok = answer is not None and answer[0] == 302
        if answer is not None and not ok:
            self.tally.errors[f"nearby location: HTTP {answer[0]}"] += 1
        return ok

    async def shake(self) -> None:
        ack = await self._ask("shake", "nearby.shake", {})
        if ack is not None:
            self.tally.done["shakes"] += 1

    async def throw_bottle(self) -> None:
        form = self._form(text=self.rng.choice(BOTTLE_LINES), with_city="1")
        answer = await self._http("bottle throw", "POST", "/bottles/throw/", form=form)
        if answer is not None:
            self.tally.done["bottles thrown" if answer[0] == 302 else "bottle throws refused"] += 1

    async def pick_bottle(self) -> None:
        """Cast the net; a bottle found is read a moment and thrown back for someone else."""
        answer = await self._http("bottle pick", "POST", "/bottles/pick/", form=self._form())
        if answer is None:
            return
        if "starfish" in answer[1].get("location", ""):
            self.tally.done["starfish"] += 1
            return
        beach = await self._http("beach", "GET", "/bottles/")
        found = re.search(rb"/bottles/(\d+)/back/", beach[2]) if beach else None
        if found:
            self.tally.done["bottles picked"] += 1
            await asyncio.sleep(self.rng.uniform(2, 6))
            await self._http(
                "bottle back", "POST", f"/bottles/{int(found.group(1))}/back/", form=self._form()
            )

    async def post_weibo(self) -> None:
        """A Weibo post on the workshop's topic: the room's posts take the hot-topic scene higher."""
        text = f"#{scenes.TOPIC}# {self.rng.choice(WEIBO_LINES)}"
        answer = await self._http("weibo post", "POST", "/weibo/compose/", form=self._form(text=text))
        if answer is not None:
            self.tally.done["weibo posts" if answer[0] == 302 else "weibo posts refused"] += 1

    async def live(self, until: float) -> None:
        """Until `until` (loop time): an action every PACE seconds or so, mostly chatting."""
        loop = asyncio.get_running_loop()
        await self.chat(self.rng.choice(HELLOS) % {"name": self.name})  # as people do on joining a group
        await self.be_nearby()
        actions = [
            self.chat,
            self.chat,
            self.chat,
            self.shake,
            self.throw_bottle,
            self.pick_bottle,
            self.post_weibo,
        ]
        while True:
            pause = self.rng.uniform(*PACE)
            if (
                loop.time() + pause >= until
            ):  # no time for another action: still listening (packets) till the end
                await asyncio.sleep(max(0.0, until - loop.time()))
                break
            await asyncio.sleep(pause)
            await self.rng.choice(actions)()

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.socket is not None:
            await self.socket.close()
        await self.browser.close()


# --- A run ------------------------------------------------------------------------------------------------------


async def run_bots(base: str, join_path: str, *, count: int, seconds: float, join_over: float = JOIN_SPREAD,
                   seed: int | None = None, tally: Tally | None = None,
                   stop: asyncio.Event | None = None) -> Tally:  # fmt: skip
    """`count` bots arriving over `join_over` seconds, each living until `seconds` after the start (or `stop`
    is set); then all leave. Bounded whatever the server does: anything still running 30 s after the end is
    cancelled."""
    tally = tally or Tally()
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds

    async def one(i: int) -> None:
        bot_rng = random.Random(rng.random())
        await asyncio.sleep(bot_rng.uniform(0, min(join_over, seconds / 2)))
        bot = Bot(base, join_path, f"{bot_rng.choice(FIRST_NAMES)} bot {i + 1}", tally, bot_rng)
        try:
            if await bot.join() and await bot.connect():
                await bot.live(until)
        finally:
            await bot.close()

    tasks = [asyncio.ensure_future(one(i)) for i in range(count)]
    stopped = asyncio.ensure_future((stop or asyncio.Event()).wait())
    everyone = asyncio.ensure_future(asyncio.wait(tasks))
    await asyncio.wait([everyone, stopped], timeout=seconds + FAREWELL, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    for task in tasks:
        task.cancel()  # (those done already ignore it; the others close their connections as they go)
    await asyncio.gather(*tasks, return_exceptions=True)
    everyone.cancel()
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            tally.errors[f"bot: {type(task.exception()).__name__}"] += 1
    return tally
