"""A simulated workshop (issue #14): 200 rehearsal bots join by the console's code within a minute, then chat in the
workshop group, grab one red packet (the console's red-packet storm) and shake, on `make demo`'s real settings.

The bots are apps/workshop/bots.py's, the ones `manage.py workshop_bots` and the console's button run: each is
a browser over HTTP (join page, a name, in; People Nearby at a demo spot) and one websocket (chat, the packet's
card, shake). The server is a Uvicorn subprocess with the demo target's flags (bench/_serve.py), run twice, each
on a fresh database: SQLite + in-memory layer + one worker (as `make demo`), and PostgreSQL + Redis + docs/deploy.md's workers (HTTP and websockets apart)
(skipped with the reason if either is unreachable). Every bot runs in this one client process on loopback,
sharing the machine's 2 cores with the server: latencies include the clients' own event-loop delay.

  baseline    BASELINE bots alone on the same server first: join, hello, 10 s of chat (a message every 1-3 s
              each), grab the sample packet, shake. Their p50/p99 are printed beside the crowd's.
  join        CROWD bots arrive at random within JOIN_WINDOW s: the join page, the name (302 into the group),
              the websocket, a hello, People Nearby. Join time = page + name, per bot; and when the last was in.
  chat        CHAT_SECONDS of chat at human pace (a message every 10-30 s per bot: ~10 messages/s, 2,000
              deliveries/s at 200): ack time and delivery time (send to each arrival).
  red packet  the host presses the console's "Red-packet storm" (HTTP, as the button): one lucky packet of
              100 shares; each bot grabs when its card arrives, after a thumb's 0.4-2.5 s.
  shake       every bot shakes within SHAKE_SPREAD s: each is answered; pairs matched.

    make bench ONLY=workshop_room
    CROWD=30 JOIN_WINDOW=10 CHAT_SECONDS=5 .venv/bin/python bench/bench_workshop_room.py   # smoke
    .venv/bin/python bench/bench_workshop_room.py sqlite|pg                                 # one setup
"""

import asyncio
import os
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

CROWD = int(os.environ.get("CROWD", "200"))
BASELINE = int(os.environ.get("BASELINE", "5"))
JOIN_WINDOW = float(os.environ.get("JOIN_WINDOW", "60"))
CHAT_SECONDS = float(os.environ.get("CHAT_SECONDS", "30"))
CHAT_PAUSE = (10.0, 30.0)
SHAKE_SPREAD = 3.0
PG_DB = "bench_workshop_room"


def prepare() -> dict:
    """After seed_demo (James the host, the Workshop 2026 group, the sample packet, PINs): the host's session,
    the join URL, the sample packet."""
    from _django import session_cookies
    from django.conf import settings
    from django.urls import reverse

    from apps.wallet.models import RedPacket
    from apps.workshop import joining

    host = joining.presenter()
    sample = RedPacket.objects.filter(conversation_id=joining.workshop_group(host).pk).order_by("pk").first()
    return {
        "secret_key": settings.SECRET_KEY,
        "host_cookie": session_cookies([host])[0],
        "join_path": reverse("workshop:join", args=[joining.token_for(joining.join_code())]),
        "sample_packet": sample.pk if sample else None,
    }


def books() -> dict:
    from apps.wallet.ledger import audit
    from apps.wallet.models import Grab, RedPacket
    from apps.workshop import scenes

    packet = RedPacket.objects.filter(note=scenes.STORM_NOTE).order_by("-pk").first()
    grabs = list(Grab.objects.filter(packet=packet).values_list("amount", flat=True)) if packet else []
    return {
        "shares": packet.count if packet else 0,
        "total": packet.total if packet else 0,
        "grabbed": len(grabs),
        "sum": sum(grabs),
        "audit": len(audit()),
    }


async def arrive(bots, loop, started, server, join_path, tally, rng, i, window, joined_at):
    from apps.workshop import bots as bot_module

    await asyncio.sleep(rng.uniform(0, window))
    bot = bot_module.Bot(
        server.base,
        join_path,
        f"{rng.choice(bot_module.FIRST_NAMES)} {i + 1}",
        tally,
        rng,
        ws_base=server.ws_base,
    )
    bots.append(bot)
    began = time.perf_counter()
    in_ = await bot.join()
    if in_:
        tally.took("join: page + name", began)
    if in_ and await bot.connect():
        joined_at.append(loop.time() - started)
        await bot.chat(f"Hi all, {bot.name} here")
        await bot.be_nearby()


async def talk(bot, seconds: float, pace: tuple[float, float]) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    pause = bot.rng.uniform(0, pace[1])
    while loop.time() + pause < end:
        await asyncio.sleep(pause)
        await bot.chat()
        pause = bot.rng.uniform(*pace)


async def shake_all(bots) -> None:
    async def one(bot):
        await asyncio.sleep(bot.rng.uniform(0, SHAKE_SPREAD))
        await bot.shake()

    await asyncio.gather(*(one(b) for b in bots))
    await asyncio.sleep(6)  # the 4 s window, then the periodic job's "nobody found"


async def press_storm(base: str, cookie: str) -> int:
    from _serve import Browser

    presenter = Browser(base, cookie)
    form = {"csrfmiddlewaretoken": presenter.give_csrf_cookie()}
    status, _h, _b = await presenter.request("POST", "/workshop/scenes/storm/", form=form)
    await presenter.close()
    return status


async def wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


async def one_group(
    server, data, *, count: int, window: float, chat_seconds: float, pace: tuple[float, float], storm: bool
) -> dict:
    """`count` bots through the whole script; their tally and a few timings."""
    from apps.workshop.bots import Tally

    loop = asyncio.get_running_loop()
    tally, bots, joined_at = Tally(), [], []
    rng = random.Random(count)
    cpu = {}
    mark = server.cpu_seconds()
    started = loop.time()
    await asyncio.gather(*(
        arrive(bots, loop, started, server, data["join_path"], tally, random.Random(rng.random()), i, window,
               joined_at)
        for i in range(count)
    ))  # fmt: skip
    cpu["join"] = server.cpu_seconds() - mark
    joined = [b for b in bots if b.socket is not None]
    tally.latency.pop("chat delivery", None)  # the hellos' deliveries overlap the joins: chat is timed below
    tally.latency.pop("chat send", None)
    mark = server.cpu_seconds()
    await asyncio.gather(*(talk(b, chat_seconds, pace) for b in joined))
    await asyncio.sleep(2)  # the last messages arrive
    cpu["chat"] = server.cpu_seconds() - mark
    mark = server.cpu_seconds()
    if storm:
        status = await press_storm(server.base, data["host_cookie"])
        if status != 302:
            tally.errors[f"storm: HTTP {status}"] += 1
        await wait_for(
            lambda: sum(n for k, n in tally.done.items() if k.startswith("grab:")) >= len(joined), 30
        )
    elif data["sample_packet"]:
        await asyncio.gather(*(b.grab(data["sample_packet"], delay=b.rng.uniform(0, 1)) for b in joined))
    cpu["grab"] = server.cpu_seconds() - mark
    mark = server.cpu_seconds()
    await shake_all(joined)
    cpu["shake"] = server.cpu_seconds() - mark
    await asyncio.gather(*(b.close() for b in bots))
    return {"tally": tally, "joined_at": joined_at, "cpu": cpu, "joined": len(joined)}


def p(values, q) -> str:
    from _serve import percentile

    return f"{percentile(values, q):.0f}" if values else "—"


def pair(values) -> str:
    return f"p50 {p(values, 0.5)}, p99 {p(values, 0.99)} ms" if values else "—"


def p99(values) -> float:
    from _serve import percentile

    return percentile(values, 0.99) if values else float("inf")


async def run_all(server, data) -> list[list]:
    # The baseline's few bots chat faster (a message every 1-3 s each): enough messages for a p99.
    base = await one_group(
        server, data, count=BASELINE, window=BASELINE, chat_seconds=10, pace=(1.0, 3.0), storm=False
    )
    crowd = await one_group(
        server, data, count=CROWD, window=JOIN_WINDOW, chat_seconds=CHAT_SECONDS, pace=CHAT_PAUSE, storm=True
    )
    result = await asyncio.to_thread(books)
    b, c = base["tally"], crowd["tally"]
    print("  every action of the crowd: " + "; ".join(c.lines()), flush=True)

    def both(action):
        return b.latency.get(action, []), c.latency.get(action, [])

    joins_b, joins_c = both("join: page + name")
    last_in = max(crowd["joined_at"], default=float("inf"))
    errors = sum(c.errors.values())
    mark = lambda ok: "pass" if ok else "FAIL"  # noqa: E731
    rows = [
        [f"join: page + name ({CROWD} within {JOIN_WINDOW:.0f} s)", pair(joins_b), pair(joins_c),
         "p99 ≤ 1 s", mark(p99(joins_c) <= 1000), f"{crowd['cpu']['join']:.1f}"],
        ["  all in (joined, last in after)", f"{base['joined']}/{BASELINE}",
         f"{crowd['joined']}/{CROWD}, {last_in:.1f} s", f"all, ≤ {JOIN_WINDOW + 5:.0f} s",
         mark(crowd["joined"] == CROWD and last_in <= JOIN_WINDOW + 5), ""],
        ["  websocket open", pair(both("websocket open")[0]), pair(both("websocket open")[1]), "", "", ""],
        ["chat: send to ack", pair(both("chat send")[0]), pair(both("chat send")[1]), "p99 ≤ 500 ms",
         mark(p99(both("chat send")[1]) <= 500), f"{crowd['cpu']['chat']:.1f}"],
        ["chat: send to each arrival", pair(both("chat delivery")[0]),
         f"{pair(both('chat delivery')[1])} ({len(both('chat delivery')[1])} arrivals)", "p99 ≤ 1 s",
         mark(p99(both("chat delivery")[1]) <= 1000), ""],
        ["red packet: open it (the grab POST)", pair(b.latency.get("grab", [])), pair(c.latency.get("grab", [])),
         "p99 ≤ 2 s", mark(p99(c.latency.get("grab", [])) <= 2000), f"{crowd['cpu']['grab']:.1f}"],
        ["  shares, sum, books", _outcomes(b, "grab: "),
         f"{_outcomes(c, 'grab: ')}; {result['grabbed']}/{result['shares']} shares, "
         f"¥{result['sum'] / 100:.2f} of ¥{result['total'] / 100:.2f}, audit {result['audit']}",
         "all taken, exact", mark(result["grabbed"] == result["shares"] > 0 and result["sum"] == result["total"]
                                  and not result["audit"]), ""],
        ["shake: ask to answer", pair(both("shake")[0]), pair(both("shake")[1]), "p99 ≤ 1 s",
         mark(p99(both("shake")[1]) <= 1000), f"{crowd['cpu']['shake']:.1f}"],
        ["  answered, matched", f"{b.done['shakes']}, {b.done['shake matched']}",
         f"{c.done['shakes']}/{crowd['joined']}, {c.done['shake matched']} matched", "all answered",
         mark(c.done["shakes"] == crowd["joined"]), ""],
        ["errors", _errors(b), _errors(c), "0", mark(not errors), ""],
    ]  # fmt: skip
    return rows


def _outcomes(tally, prefix: str) -> str:
    found = {k.removeprefix(prefix): n for k, n in tally.done.items() if k.startswith(prefix)}
    return ", ".join(f"{k} {n}" for k, n in sorted(found.items(), key=lambda kv: -kv[1])) or "—"


def _errors(tally) -> str:
    return ", ".join(f"{k} ×{n}" for k, n in tally.errors.most_common(4)) or "0"


def child(setup_name: str) -> None:
    from _django import setup, table
    from _serve import demo_server

    started = time.monotonic()
    setup(seed=True)
    from django.db import connection

    data = prepare()
    print(f"  migrated and seeded in {time.monotonic() - started:.0f} s", flush=True)
    server, workers, layer = demo_server(setup_name, data["secret_key"])
    try:
        rows = asyncio.run(run_all(server, data))
    finally:
        server.stop()
    table(
        f"{connection.vendor}, {layer}, {workers}; {CROWD} bots, joins within {JOIN_WINDOW:.0f} s, "
        f"chat {CHAT_SECONDS:.0f} s",
        ["", f"baseline: {BASELINE} bots alone", f"{CROWD} bots", "target", "", "server CPU s"],
        rows,
    )


def main() -> int:
    from _serve import served_setups

    return served_setups(__file__, pg_db=PG_DB, prefix="benchworkshop")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        sys.exit(main())
