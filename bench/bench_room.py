"""A workshop room at the real cost: `make demo`'s server, settings, hashers and layer, with the load beside it.

Runs twice, each in its own process on a fresh database: SQLite + in-memory layer + one Uvicorn worker (as
`make demo`), and PostgreSQL + Redis (channels-redis) + two workers (as docs/deploy.md; skipped with the
reason if either is unreachable). The server is a Uvicorn subprocess with the demo target's flags; every
client (websocket and HTTP) runs in this process on loopback, sharing the 2 cores with the server, so each
row compares with a baseline from the same run, and the server's CPU seconds (from /proc) are printed too.

  room        ROOM_CLIENTS websocket clients in one group, 10 messages/s in (2,000 deliveries/s at 200):
              latency from the sender's stamp to each arrival. Its p99 alone is the baseline of the next two.
  + payers    PAYERS people paying by QR continuously, beside the room: POST /wallet/pay/<token>/ with the
              PIN, CSRF token and a fresh idempotency key, as the pay form does. A payer's phone changes hands
              every 25 payments, so the per-person limit (30 a minute) is not what is measured.
  + logins    LOGINS people press "Log in" at once (the login form's POST, CSRF, real password), 1 s into the
              room's window.
  red packet  one lucky packet of SHARES shares, GRABBERS members grab it at once over HTTP.
  chat list   `/` with 30 conversations in the list against `/healthz`, LIST_CONCURRENCY keep-alive
              connections each, LIST_SECONDS each: requests per second.
  burst       BURST logged-in people open `/` at the same moment: status codes, "too many clients".

    make bench ONLY=room
    ROOM_CLIENTS=20 PHASE_SECONDS=2 GRABBERS=50 BURST=50 LIST_SECONDS=1 make bench ONLY=room   # smoke
    .venv/bin/python bench/bench_room.py sqlite|pg                                          # one setup
"""

import asyncio
import json
import math
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

ROOM_CLIENTS = int(os.environ.get("ROOM_CLIENTS", "200"))
PACE = 10  # messages per second into the room
PHASE_SECONDS = float(os.environ.get("PHASE_SECONDS", "8"))
PAYERS = int(os.environ.get("PAYERS", "10"))
LOGINS = int(os.environ.get("LOGINS", "30"))
GRABBERS = int(os.environ.get("GRABBERS", "500"))
SHARES = int(os.environ.get("SHARES", "100"))
BURST = int(os.environ.get("BURST", "500"))
LIST_SECONDS = float(os.environ.get("LIST_SECONDS", "5"))
LIST_CONCURRENCY = int(os.environ.get("LIST_CONCURRENCY", "10"))
LIST_CONVERSATIONS = 30
PAYMENTS_PER_PHONE = 25  # under the 30-a-minute limit per person
SETUPS = os.environ.get("SETUPS", "sqlite,pg").split(",")
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "bench_room"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PACKET_YUAN = 200

# --- The data (written in this process before the server starts) ---------------------------------------


def prepare() -> dict:
    from _django import BENCH_PIN, people, session_cookies
    from django.conf import settings
    from django.db import transaction

    from apps.chat import services as chat
    from apps.chat.models import Conversation, Membership
    from apps.core import clock
    from apps.wallet import services as wallet
    from apps.wallet.ledger import ledger_post, system_account
    from apps.wallet.models import Account
    from apps.wallet.views import receive_token

    def group(name, owner, members):
        conv = Conversation.objects.create(kind="group", name=name, owner=owner, created_at=clock.now())
        Membership.objects.bulk_create(
            [Membership(conversation=conv, user=u, joined_at=clock.now()) for u in members]
        )
        return conv

    def fund(users, fen):
        bank = system_account(Account.Kind.BANK)
        for u in users:
            with transaction.atomic():
                ledger_post(
                    kind="topup", lines=[(bank, -fen), (wallet.account_for(u), fen)],
                    idempotency_key=f"bench-fund-{u.pk}", initiator=u,
                )  # fmt: skip

    data = {"secret_key": settings.SECRET_KEY}
    room = people("room", ROOM_CLIENTS)
    data["room"] = group("Workshop room", room[0], room).pk
    data["room_cookies"] = session_cookies(room)

    phones = max(1, math.ceil(PHASE_SECONDS * 15 / PAYMENTS_PER_PHONE))  # room for 15 payments/s per payer
    payers = people("payer", PAYERS * phones, pin=True)
    fund(payers, 10_000_00)
    payees = people("payee", PAYERS)
    data["pay_tokens"] = [receive_token(user=u) for u in payees]
    cookies = session_cookies(payers)
    data["payer_phones"] = [cookies[i::PAYERS] for i in range(PAYERS)]

    people("login", LOGINS, password=True)
    data["logins"] = [f"login{i}" for i in range(LOGINS)]

    crowd = people("grab", max(GRABBERS, BURST))
    members = crowd[:GRABBERS]
    sender = people("sender", 1, pin=True)[0]
    fund([sender], PACKET_YUAN * 100)
    conv = group("Red packet storm", sender, [sender, *members])
    packet = wallet.packet_create(
        actor=sender, conversation_id=conv.pk, kind="lucky", amount=str(PACKET_YUAN), count=SHARES,
        pin=BENCH_PIN, idempotency_key="bench-room-packet",
    )  # fmt: skip
    data["packet"] = packet.pk
    data["crowd_cookies"] = session_cookies(crowd)

    reader = people("reader", 1)[0]
    friends = people("friend", LIST_CONVERSATIONS)
    for i, friend in enumerate(friends):
        if i < 20:
            conv = chat.conversation_direct_get_or_create(a=reader, b=friend, allow_strangers=True)
        else:
            conv = group(f"Group {i}", friend, [reader, friend, friends[(i + 1) % len(friends)]])
        chat.message_send(sender=friend, conversation=conv, text=f"Hello from {friend.display_name} 你好")
    data["reader_cookie"] = session_cookies([reader])[0]
    return data


def books(packet_pk: int) -> dict:
    from apps.wallet.ledger import audit
    from apps.wallet.models import Grab

    grabs = list(Grab.objects.filter(packet_id=packet_pk).values_list("amount", flat=True))
    return {"shares": len(grabs), "sum_fen": sum(grabs), "audit": len(audit())}


# --- The load ------------------------------------------------------------------------------------------


def room_client(base: str, cookie: str, conversation: int):
    """bench/chatclient.py's client, also keeping each live arrival's latency under its window's label, so a
    late arrival from one window is never counted in the next."""
    from bench.chatclient import ChatClient

    class RoomClient(ChatClient):
        def __init__(self, *args):
            super().__init__(*args)
            self.by_label: dict[str, list[float]] = {}

        def _keep(self, message, *, live=False):
            text = message.get("text", "")
            if live and message["id"] not in self.ids and text.startswith("t="):
                stamp, label = text.split()[:2]
                self.by_label.setdefault(label, []).append((time.time() - float(stamp[2:])) * 1000)
            super()._keep(message, live=live)

    return RoomClient(base, cookie, conversation)


async def room_window(clients, label: str, seconds: float, beside=None):
    """Send PACE messages/s into the room for `seconds` (with `beside()` running), then wait until every
    client has them all or nothing arrived for 3 s (at most 60 s); latencies in ms."""
    loop = asyncio.get_running_loop()
    side = asyncio.ensure_future(beside()) if beside else None
    started, sends = loop.time(), []
    for n in range(int(seconds * PACE)):
        await asyncio.sleep(max(0.0, started + n / PACE - loop.time()))
        sender = clients[(n * 7) % len(clients)]
        sends.append(
            asyncio.ensure_future(sender.send_text(f"t={time.time()} {label} {n}", client_id=f"{label}-{n}"))
        )
    side_result = await side if side else None
    acks = await asyncio.gather(*sends, return_exceptions=True)
    expected = len(sends) * len(clients)

    def arrived():
        return sum(len(c.by_label.get(label, ())) for c in clients)

    last, quiet_since, deadline = -1, loop.time(), loop.time() + 60
    while arrived() < expected and loop.time() - quiet_since < 3 and loop.time() < deadline:
        if arrived() != last:
            last, quiet_since = arrived(), loop.time()
        await asyncio.sleep(0.05)
    latencies = [x for c in clients for x in c.by_label.get(label, ())]
    return {
        "latencies": latencies,
        "expected": expected,
        "failed_sends": sum(1 for a in acks if isinstance(a, Exception) or a.get("type") != "ack"),
        "side": side_result,
    }


async def pay_continuously(base: str, tokens: list[str], phones: list[list[str]], seconds: float) -> dict:
    from _django import BENCH_PIN
    from _serve import Browser, hidden_inputs

    outcomes, latencies = {}, []
    deadline = time.monotonic() + seconds

    async def payer(i):
        for cookie in phones[i]:
            browser = Browser(base, cookie)
            path = f"/wallet/pay/{tokens[i]}/"
            status, _h, page = await browser.request("GET", path)  # the scan opens the pay form
            form = hidden_inputs(page, field="pin")
            for _ in range(PAYMENTS_PER_PHONE):
                if time.monotonic() >= deadline:
                    await browser.close()
                    return
                form.update(key=secrets.token_urlsafe(18), amount="1.23", note="", pin=BENCH_PIN)
                started = time.perf_counter()
                try:
                    status, headers, _body = await browser.request("POST", path, form=form)
                except OSError as exc:  # no answer in time, or the connection failed
                    status, headers = type(exc).__name__, {}
                latencies.append((time.perf_counter() - started) * 1000)
                paid = status == 302 and "/wallet/records/" in headers.get("location", "")
                kind = "paid" if paid else f"{status}" + (" refused" if status == 200 else "")
                outcomes[kind] = outcomes.get(kind, 0) + 1
            await browser.close()

    started = time.monotonic()
    await asyncio.gather(*(payer(i) for i in range(len(phones))))
    elapsed = time.monotonic() - started
    return {"outcomes": outcomes, "per_s": outcomes.get("paid", 0) / elapsed, "latencies": latencies}


async def log_in_at_once(base: str, usernames: list[str]) -> dict:
    from _django import BENCH_PASSWORD
    from _serve import Browser, hidden_inputs

    browsers, forms = [], []
    for name in usernames:  # everyone has the login page open
        browser = Browser(base)
        _s, _h, page = await browser.request("GET", "/accounts/login/")
        browsers.append(browser)
        forms.append({**hidden_inputs(page, field="password"), "username": name, "password": BENCH_PASSWORD})
    await asyncio.sleep(1.0)  # 1 s into the room's window

    async def press(browser, form):
        try:
            status, headers, _b = await browser.request("POST", "/accounts/login/", form=form)
        except OSError:
            status, headers = None, {}
        done = time.perf_counter()
        await browser.close()
        return status == 302 and headers.get("location") == "/", done

    started = time.perf_counter()
    results = await asyncio.gather(*(press(b, f) for b, f in zip(browsers, forms, strict=True)))
    return {"ok": sum(ok for ok, _ in results), "slowest_s": max(done for _, done in results) - started}


async def grab_at_once(base: str, cookies: list[str], packet: int) -> dict:
    from _serve import Browser

    browsers = [Browser(base, c) for c in cookies]
    started = time.perf_counter()

    async def grab(browser):
        headers = [("X-CSRFToken", browser.give_csrf_cookie()), ("Accept", "application/json")]
        try:
            status, _h, body = await browser.request(
                "POST", f"/wallet/packets/{packet}/grab/", headers=headers
            )
        except OSError as exc:
            return f"connection {type(exc).__name__}", time.perf_counter() - started
        finally:
            await browser.close()
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {}
        kind = "share" if answer.get("ok") else answer.get("code") or f"HTTP {status}"
        return kind, time.perf_counter() - started

    results = await asyncio.gather(*(grab(b) for b in browsers))
    outcomes = {}
    for kind, _t in results:
        outcomes[kind] = outcomes.get(kind, 0) + 1
    return {"outcomes": outcomes, "slowest_s": max(t for _k, t in results)}


async def requests_per_second(base: str, cookie: str, path: str) -> dict:
    from _serve import Browser

    statuses = {}
    deadline = time.monotonic() + LIST_SECONDS

    async def worker():
        browser, done = Browser(base, cookie), 0
        while time.monotonic() < deadline:
            status, _h, _b = await browser.request("GET", path)
            statuses[status] = statuses.get(status, 0) + 1
            done += 1
        await browser.close()
        return done

    started = time.monotonic()
    total = sum(await asyncio.gather(*(worker() for _ in range(LIST_CONCURRENCY))))
    return {"per_s": total / (time.monotonic() - started), "statuses": statuses}


async def open_at_once(base: str, cookies: list[str]) -> dict:
    from _serve import Browser

    started = time.perf_counter()
    slowest = 0.0

    async def one(cookie):
        nonlocal slowest
        browser = Browser(base, cookie)
        try:
            status, _h, body = await browser.request("GET", "/")
        except OSError as exc:
            return f"connection {type(exc).__name__}", False
        finally:
            await browser.close()
        slowest = max(slowest, time.perf_counter() - started)
        return status, b"too many clients" in body

    results = await asyncio.gather(*(one(c) for c in cookies))
    statuses = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {"statuses": statuses, "too_many": sum(1 for _s, t in results if t), "slowest_s": slowest}


# --- One setup --------------------------------------------------------------------------------------------


def mark(ok: bool) -> str:
    return "pass" if ok else "FAIL"


async def run_all(server, data: dict) -> list[list]:
    from _serve import percentile

    base, rows = server.base, []

    def cpu_since(mark_):
        return f"{server.cpu_seconds() - mark_:.1f}"

    clients = [room_client(base, c, data["room"]) for c in data["room_cookies"]]
    for chunk in range(0, len(clients), 50):
        await asyncio.gather(*(c.connect() for c in clients[chunk : chunk + 50]))
    await asyncio.sleep(1.0)

    cpu = server.cpu_seconds()
    alone = await room_window(clients, "alone", PHASE_SECONDS)
    p99 = percentile(alone["latencies"], 0.99)
    rows.append(
        ["room alone (baseline)", f"p50 {percentile(alone['latencies'], 0.5):.0f} ms, p99 {p99:.0f} ms, "
         f"{_live(alone)}", "—", "—", cpu_since(cpu)]
    )  # fmt: skip

    cpu = server.cpu_seconds()
    paying = await room_window(
        clients, "pay", PHASE_SECONDS,
        lambda: pay_continuously(base, data["pay_tokens"], data["payer_phones"], PHASE_SECONDS),
    )  # fmt: skip
    pay = paying["side"]
    pay_p99 = percentile(paying["latencies"], 0.99)
    rows.append(
        [f"{PAYERS} payers: payments/s", f"{pay['per_s']:.1f} ({_counts(pay['outcomes'])}; "
         f"p50 {percentile(pay['latencies'], 0.5):.0f} ms)", "≥ 50", mark(pay["per_s"] >= 50), cpu_since(cpu)]
    )  # fmt: skip
    rows.append(
        ["  room p99 beside them", f"{pay_p99:.0f} ms = {pay_p99 / p99:.2f}× alone "
         f"({_live(paying)})", "≤ 1.5×", mark(pay_p99 <= 1.5 * p99), ""]
    )  # fmt: skip

    cpu = server.cpu_seconds()
    logging_in = await room_window(
        clients, "login", PHASE_SECONDS, lambda: log_in_at_once(base, data["logins"])
    )
    logins = logging_in["side"]
    login_p99 = percentile(logging_in["latencies"], 0.99)
    rows.append(
        [f"{LOGINS} logins at once: all done", f"{logins['slowest_s']:.2f} s ({logins['ok']}/{LOGINS} logged in)",
         "≤ 3 s", mark(logins["slowest_s"] <= 3 and logins["ok"] == LOGINS), cpu_since(cpu)]
    )  # fmt: skip
    rows.append(
        ["  room p99 beside them", f"{login_p99:.0f} ms = {login_p99 / p99:.2f}× alone "
         f"({_live(logging_in)})", "≤ 2×", mark(login_p99 <= 2 * p99), ""]
    )  # fmt: skip
    await asyncio.gather(*(c.close() for c in clients))

    cpu = server.cpu_seconds()
    grabs = await grab_at_once(base, data["crowd_cookies"][:GRABBERS], data["packet"])
    result = await asyncio.to_thread(books, data["packet"])
    shares_ok = result["shares"] == min(SHARES, GRABBERS) and result["audit"] == 0
    exact = result["sum_fen"] == PACKET_YUAN * 100 if GRABBERS >= SHARES else True
    errors = sum(n for k, n in grabs["outcomes"].items() if k not in ("share", "too_late"))
    rows.append(
        [f"red packet: {GRABBERS} grab {SHARES} shares", f"slowest {grabs['slowest_s']:.2f} s; "
         f"{_counts(grabs['outcomes'])}; sum ¥{result['sum_fen'] / 100:.2f}",
         "≤ 2 s, exact, 0 errors", mark(grabs["slowest_s"] <= 2 and shares_ok and exact and not errors),
         cpu_since(cpu)]
    )  # fmt: skip

    cpu = server.cpu_seconds()
    health = await requests_per_second(base, data["reader_cookie"], "/healthz")
    listing = await requests_per_second(base, data["reader_cookie"], "/")
    ratio = listing["per_s"] / health["per_s"]
    ok = set(listing["statuses"]) == {200} and set(health["statuses"]) == {200}
    rows.append(
        [f"chat list ({LIST_CONVERSATIONS} chats) vs /healthz", f"{listing['per_s']:.0f} vs {health['per_s']:.0f} "
         f"req/s = {ratio:.2f}×", "≥ 0.3×", mark(ratio >= 0.3 and ok), cpu_since(cpu)]
    )  # fmt: skip

    cpu = server.cpu_seconds()
    burst = await open_at_once(base, data["crowd_cookies"][:BURST])
    server_errors = sum(n for s, n in burst["statuses"].items() if not isinstance(s, int) or s >= 500)
    rows.append(
        [f"{BURST} logged-in requests at once", f"{_counts(burst['statuses'])}; "
         f"'too many clients' {burst['too_many']}; last answer {burst['slowest_s']:.1f} s", "0 errors", mark(not server_errors and not burst["too_many"]),
         cpu_since(cpu)]
    )  # fmt: skip
    return rows


def _live(window: dict) -> str:
    failed = f", {window['failed_sends']} sends failed" if window["failed_sends"] else ""
    return f"{len(window['latencies'])}/{window['expected']} live{failed}"


def _counts(outcomes: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items(), key=lambda kv: -kv[1]))


def child(setup_name: str) -> None:
    from _django import setup, table
    from _serve import Server

    started = time.monotonic()
    setup(seed=True)
    from django.db import connection

    seeded = time.monotonic()
    data = prepare()
    workers = 2 if setup_name == "pg" else 1
    env = {"SECRET_KEY": data["secret_key"], "DATABASE_URL": os.environ["DATABASE_URL"]}
    layer = "in-memory layer"
    if setup_name == "pg":
        env.update(REDIS_URL=os.environ["REDIS_URL"], REDIS_PREFIX=os.environ["REDIS_PREFIX"])
        layer = "channels-redis"
    print(
        f"  migrated and seeded in {seeded - started:.0f} s, bench data in {time.monotonic() - seeded:.0f} s",
        flush=True,
    )
    server = Server(workers=workers, env=env)
    try:
        rows = asyncio.run(run_all(server, data))
    finally:
        server.stop()
    table(
        f"{connection.vendor}, {layer}, {workers} Uvicorn worker(s); room: {ROOM_CLIENTS} clients, {PACE} msg/s, "
        f"{PHASE_SECONDS:.0f} s windows",
        ["benchmark", "result", "target", "", "server CPU s"],
        rows,
    )


# --- Both setups ---------------------------------------------------------------------------------------------


def reachable(url: str) -> str | None:
    parts = urlparse(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    except OSError as exc:
        return f"{parts.scheme} at {parts.hostname}:{parts.port} unreachable ({exc.strerror or exc})"
    return None


def fresh_pg() -> tuple[str | None, str | None]:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
    except Exception as exc:
        return None, f"PostgreSQL: {exc}".strip()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB, None


def main() -> int:
    failed = False
    for name in SETUPS:
        env = {**os.environ}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        if name == "pg":
            reason = reachable(PG_ADMIN) or reachable(REDIS_URL)
            url = None
            if not reason:
                url, reason = fresh_pg()
            if reason:
                print(f"\nPostgreSQL + Redis skipped: {reason}")
                continue
            env.update(DATABASE_URL=url, REDIS_URL=REDIS_URL, REDIS_PREFIX=f"benchroom{os.getpid()}")
        print(flush=True)
        result = subprocess.run([sys.executable, str(Path(__file__)), name], cwd=ROOT, env=env, check=False)
        failed |= result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        sys.exit(main())
