"""A workshop room at the real cost: `make demo`'s server, settings, hashers and layer, with the load beside it.

Runs twice, each in its own process on a fresh database: SQLite + in-memory layer + one Uvicorn worker (as
`make demo`), and PostgreSQL + Redis (channels-redis) + docs/deploy.md's workers (HTTP and websockets apart; skipped with the
reason if either is unreachable). The server is a Uvicorn subprocess with the demo target's flags; every
client (websocket and HTTP) runs in this process on loopback, sharing the 2 cores with the server, so each
row compares with a baseline from the same run, and the server's CPU seconds (from /proc) are printed too.

  room        ROOM_CLIENTS websocket clients in one group, 10 messages/s in (2,000 deliveries/s at 200):
              latency from the sender's stamp to each arrival. Its p99 alone is the baseline of the next two.
  + payers    PAYERS people paying by QR continuously, beside the room: POST /wallet/pay/<token>/ with the
              PIN, CSRF token and a fresh idempotency key, as the pay form does. A payer's phone changes hands
              every 25 payments, so the per-person limit (30 a minute) is not what is measured. Twice: in a
              closed loop (each pays again once answered: the most the worker takes, every core busy), then
              together at PAY_RATE a second on a schedule (the target's 50/s; latency counted from when due).
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
import math
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from _load import (  # noqa: E402
    PACE,
    PAYMENTS_PER_PHONE,
    grab_at_once,
    in_own_process,
    open_at_once,
    requests_per_second,
    room_client,
    room_window,
    tap_cards,
)

ROOM_CLIENTS = int(os.environ.get("ROOM_CLIENTS", "200"))
PHASE_SECONDS = float(os.environ.get("PHASE_SECONDS", "8"))
PAYERS = int(os.environ.get("PAYERS", "10"))
PAY_RATE = float(os.environ.get("PAY_RATE", "50"))  # the paced payers' rate together: the target's
LOGINS = int(os.environ.get("LOGINS", "30"))
GRABBERS = int(os.environ.get("GRABBERS", "500"))
SHARES = int(os.environ.get("SHARES", "100"))
BURST = int(os.environ.get("BURST", "500"))
LIST_SECONDS = float(os.environ.get("LIST_SECONDS", "5"))
LIST_CONCURRENCY = int(os.environ.get("LIST_CONCURRENCY", "10"))
LIST_CONVERSATIONS = 30
PG_DB = "bench_room"
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

    # Phones for 15 payments/s per payer in the closed loop, and their own for the paced window (the per-person
    # limit of 30 a minute would refuse a phone used in both).
    phones = max(1, math.ceil(PHASE_SECONDS * 15 / PAYMENTS_PER_PHONE))
    paced_phones = max(1, math.ceil(PHASE_SECONDS * PAY_RATE / PAYERS / PAYMENTS_PER_PHONE))
    payers = people("payer", PAYERS * (phones + paced_phones), pin=True)
    fund(payers, 10_000_00)
    payees = people("payee", PAYERS)
    data["pay_tokens"] = [wallet.receive_token(user=u) for u in payees]
    cookies = session_cookies(payers)
    data["payer_phones"] = [cookies[: PAYERS * phones][i::PAYERS] for i in range(PAYERS)]
    data["paced_phones"] = [cookies[PAYERS * phones :][i::PAYERS] for i in range(PAYERS)]

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


# --- One setup --------------------------------------------------------------------------------------------


def mark(ok: bool) -> str:
    return "pass" if ok else "FAIL"


async def run_all(server, data: dict) -> list[list]:
    from _serve import percentile

    base, rows = server.base, []

    def cpu_since(mark_):
        return f"{server.cpu_seconds() - mark_:.1f}"

    clients = [room_client(base, c, data["room"], server.ws_base) for c in data["room_cookies"]]
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
        lambda: in_own_process("pay_continuously", base, data["pay_tokens"], data["payer_phones"], PHASE_SECONDS),
    )  # fmt: skip
    pay = paying["side"]
    pay_p99 = percentile(paying["latencies"], 0.99)
    rows.append(
        [f"{PAYERS} payers, closed loop: payments/s", f"{pay['per_s']:.1f} ({_counts(pay['outcomes'])}; "
         f"p50 {percentile(pay['latencies'], 0.5):.0f} ms)", "≥ 50", mark(pay["per_s"] >= 50), cpu_since(cpu)]
    )  # fmt: skip
    rows.append(
        ["  room p99 beside them", f"{pay_p99:.0f} ms = {pay_p99 / p99:.2f}× alone "
         f"({_live(paying)})", "≤ 1.5×", mark(pay_p99 <= 1.5 * p99), ""]
    )  # fmt: skip

    cpu = server.cpu_seconds()
    paced = await room_window(
        clients, "paced", PHASE_SECONDS,
        lambda: in_own_process(
            "pay_continuously", base, data["pay_tokens"], data["paced_phones"], PHASE_SECONDS, PAY_RATE
        ),
    )  # fmt: skip
    pace = paced["side"]
    paced_p99 = percentile(paced["latencies"], 0.99)
    pace_ok = pace["per_s"] >= 0.95 * PAY_RATE and set(pace["outcomes"]) == {"paid"}
    rows.append(
        [f"{PAYERS} payers at {PAY_RATE:g}/s: payments/s", f"{pace['per_s']:.1f} ({_counts(pace['outcomes'])}; "
         f"p50 {percentile(pace['latencies'], 0.5):.0f} ms, p99 {percentile(pace['latencies'], 0.99):.0f} ms "
         "from when due)", f"{PAY_RATE:g}, all paid", mark(pace_ok), cpu_since(cpu)]
    )  # fmt: skip
    rows.append(
        ["  room p99 beside them", f"{paced_p99:.0f} ms = {paced_p99 / p99:.2f}× alone "
         f"({_live(paced)})", "≤ 1.5×", mark(paced_p99 <= 1.5 * p99), ""]
    )  # fmt: skip

    cpu = server.cpu_seconds()
    logging_in = await room_window(
        clients, "login", PHASE_SECONDS, lambda: in_own_process("log_in_at_once", base, data["logins"])
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

    grabbers = await tap_cards(base, data["crowd_cookies"][:GRABBERS], data["packet"])
    cpu = server.cpu_seconds()
    grabs = await grab_at_once(grabbers, data["packet"])
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
    list_load = {"seconds": LIST_SECONDS, "concurrency": LIST_CONCURRENCY}
    both = await requests_per_second(base, data["reader_cookie"], ["/healthz", "/"], **list_load)
    health, listing = both["/healthz"], both["/"]
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
    from _serve import demo_server

    started = time.monotonic()
    setup(seed=True)
    from django.db import connection

    seeded = time.monotonic()
    data = prepare()
    print(
        f"  migrated and seeded in {seeded - started:.0f} s, bench data in {time.monotonic() - seeded:.0f} s",
        flush=True,
    )
    server, workers, layer = demo_server(setup_name, data["secret_key"])
    try:
        rows = asyncio.run(run_all(server, data))
    finally:
        server.stop()
    table(
        f"{connection.vendor}, {layer}, {workers}; room: {ROOM_CLIENTS} clients, {PACE} msg/s, "
        f"{PHASE_SECONDS:.0f} s windows",
        ["benchmark", "result", "target", "", "server CPU s"],
        rows,
    )


# --- Both setups ---------------------------------------------------------------------------------------------


def main() -> int:
    from _serve import served_setups

    return served_setups(__file__, pg_db=PG_DB, prefix="benchroom")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        sys.exit(main())
