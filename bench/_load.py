"""The load bench/bench_room.py puts on the server, as people would: a room of websocket clients at a steady
pace, and browsers (cookies, CSRF, keep-alive) paying by QR, logging in, grabbing a red packet, opening pages."""

import asyncio
import gc
import json
import secrets
import time

PACE = 10  # messages per second into the room
PAYMENTS_PER_PHONE = 25  # under the 30-a-minute limit per person


async def in_own_process(name: str, *args) -> dict:
    """Run this module's coroutine `name(*args)` in a client process of its own and return its result.

    Payers and people logging in are other phones: run in the room's own client process, their HTTP work would
    share one event loop with the 200 room clients and delay the stamps those take on arrival."""
    import sys
    from pathlib import Path

    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).resolve()), name, json.dumps(args),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _err = await proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"{name} in its own process exited with {proc.returncode}")
    return json.loads(out.decode().strip().splitlines()[-1])


def room_client(base: str, cookie: str, conversation: int, ws_base: str = ""):
    """bench/chatclient.py's client, also keeping each live arrival's latency under its window's label, so a
    late arrival from one window is never counted in the next."""
    from apps.core.clients import ChatClient

    class RoomClient(ChatClient):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.by_label: dict[str, list[float]] = {}

        def _keep(self, message, *, live=False):
            text = message.get("text", "")
            if live and message["id"] not in self.ids and text.startswith("t="):
                stamp, label = text.split()[:2]
                self.by_label.setdefault(label, []).append((time.time() - float(stamp[2:])) * 1000)
            super()._keep(message, live=live)

    return RoomClient(base, cookie, conversation, ws_base=ws_base)


async def room_window(clients, label: str, seconds: float, beside=None):
    """Send PACE messages/s into the room for `seconds` (with `beside()` running), then wait until every
    client has them all or nothing arrived for 3 s (at most 60 s); latencies in ms."""
    # The instrument must not pause: a full collection in this process (200 clients' received messages) took
    # 100-200 ms and delayed every arrival stamp behind it. Collected before the window instead.
    gc.collect()
    gc.disable()
    try:
        return await _room_window(clients, label, seconds, beside)
    finally:
        gc.enable()


async def _room_window(clients, label: str, seconds: float, beside):
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


async def pay_continuously(
    base: str, tokens: list[str], phones: list[list[str]], seconds: float, rate: float = 0
) -> dict:
    """Each payer pays again as soon as the last answer came (a closed loop: the most the server can take), or,
    with `rate`, the payers together start `rate` payments a second on a fixed schedule (an open loop: the load a
    room of people puts on it). An open-loop payment's latency counts from when it was due, so a server that
    falls behind shows it (no coordinated omission)."""
    from _django import BENCH_PIN
    from _serve import Browser, hidden_inputs

    outcomes, latencies = {}, []
    begun = time.monotonic()
    deadline = begun + seconds
    gap = len(phones) / rate if rate else 0.0  # one payer's interval on the schedule

    async def payer(i):
        due = begun + i * gap / len(phones)  # the payers' schedules interleave
        for cookie in phones[i]:
            browser = Browser(base, cookie)
            path = f"/wallet/pay/{tokens[i]}/"
            status, _h, page = await browser.request("GET", path)  # the scan opens the pay form
            form = hidden_inputs(page, field="pin")
            for _ in range(PAYMENTS_PER_PHONE):
                if gap:
                    await asyncio.sleep(max(0.0, due - time.monotonic()))
                if time.monotonic() >= deadline:
                    await browser.close()
                    return
                form.update(key=secrets.token_urlsafe(18), amount="1.23", note="", pin=BENCH_PIN)
                started = time.perf_counter() - (max(0.0, time.monotonic() - due) if gap else 0.0)
                due += gap
                try:
                    status, headers, _body = await browser.request("POST", path, form=form)
                except OSError as exc:  # no answer in time, or the connection failed
                    status, headers = type(exc).__name__, {}
                latencies.append((time.perf_counter() - started) * 1000)
                paid = status == 302 and "/wallet/records/" in headers.get("location", "")
                kind = "paid" if paid else f"{status}" + (" refused" if status == 200 else "")
                outcomes[kind] = outcomes.get(kind, 0) + 1
            await browser.close()

    await asyncio.gather(*(payer(i) for i in range(len(phones))))
    elapsed = time.monotonic() - begun
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


async def tap_cards(base: str, cookies: list[str], packet: int) -> list:
    """Each member taps the packet's card, as wallet.js does before its "Open" button appears (the state read
    also puts their session in the server's cache, where the chat page they have open would have put it).
    Their connections are closed again, so every grab still opens one. Returns their browsers."""
    from _serve import Browser

    browsers = [Browser(base, c) for c in cookies]
    tapping = asyncio.Semaphore(50)

    async def tap(browser):
        async with tapping:
            await browser.request("GET", f"/wallet/packets/{packet}/state/")
            await browser.close()

    await asyncio.gather(*(tap(b) for b in browsers))
    return browsers


async def grab_at_once(browsers: list, packet: int) -> dict:
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


async def requests_per_second(
    base: str, cookie: str, paths: list[str], *, seconds: float, concurrency: int
) -> dict:
    """Requests per second to each of `paths` in turn, each for `seconds`, on the same `concurrency` keep-alive
    connections: with several workers a connection stays with the worker that accepted it, and separate
    connections for each path once put all ten of one path on one worker (0.13x instead of 0.34x)."""
    from _serve import Browser

    browsers = [Browser(base, cookie) for _ in range(concurrency)]

    async def worker(browser, path, deadline, statuses):
        done = 0
        while time.monotonic() < deadline:
            status, _h, _b = await browser.request("GET", path)
            statuses[status] = statuses.get(status, 0) + 1
            done += 1
        return done

    results = {}
    for path in paths:
        statuses, started = {}, time.monotonic()
        deadline = started + seconds
        total = sum(await asyncio.gather(*(worker(b, path, deadline, statuses) for b in browsers)))
        results[path] = {"per_s": total / (time.monotonic() - started), "statuses": statuses}
    await asyncio.gather(*(b.close() for b in browsers))
    return results


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


if __name__ == "__main__":  # in_own_process: `_load.py <coroutine> <json args>` prints the result as JSON
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    result = asyncio.run(globals()[sys.argv[1]](*json.loads(sys.argv[2])))
    print(json.dumps(result), flush=True)
