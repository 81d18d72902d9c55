"""Chat speed: fan-out to a 200-member group, the app against a minimal Channels broadcast consumer on the
same server and layer, under Uvicorn and Daphne; and opening a chat of 100,000 messages.

(a) workshop pace: 10 messages/s into the group (2,000 deliveries/s) for a few seconds: p50/p99 latency
    from the sender's stamp to arrival at each client.
(b) saturation: every client sends at once; deliveries per second until every client has every message
    (for the app, holes are filled by chat.sync, as the browser does; the minimal consumer has no such path,
    so what it drops stays dropped).
Columns: server CPU s (user+system of the server processes), CPU µs per delivery (that over every frame
delivered in (a) and (b)), client CPU s (this process: when it nears the wall time, the clients are the limit).
SERVER_PROFILE=/tmp/p runs each Uvicorn under cProfile (written to /tmp/p.<port> on exit) to see where the
server's CPU per delivery goes. Loopback only, bounded in clients (CLIENTS) and time. The 200 clients run in this one Python process, so
the client side shares the 2 cores with the server: compare the rows with each other, not with other machines.
"""

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _django import setup, table

CLIENTS = int(os.environ.get("CLIENTS", "200"))
PACE_SECONDS = float(os.environ.get("PACE_SECONDS", "5"))
PACE_RATE = 10  # messages per second
BURST_EACH = int(os.environ.get("BURST_EACH", "2"))
SERVERS = os.environ.get("SERVERS", "uvicorn,daphne").split(",")
ROOT = Path(__file__).resolve().parent.parent

setup(seed=True)
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.chat.models import Conversation, Membership, Message  # noqa: E402
from apps.core import clock  # noqa: E402
from bench.chatclient import ChatClient  # noqa: E402


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


# --- Opening a chat with 100,000 messages --------------------------------------------------------------


def open_big_chat() -> list[list]:
    liwei = User.objects.get(username="liwei")
    wangfang = User.objects.get(username="wangfang")
    conv = Conversation.objects.create(kind="group", name="Big", owner=liwei, created_at=clock.now())
    for u in (liwei, wangfang):
        Membership.objects.create(conversation=conv, user=u, joined_at=clock.now())
    now = clock.now()
    batch = []
    for seq in range(1, 100_001):
        batch.append(
            Message(
                conversation=conv,
                seq=seq,
                sender=wangfang if seq % 2 else liwei,
                text=f"message {seq}",
                created_at=now,
            )
        )
        if len(batch) == 5000:
            Message.objects.bulk_create(batch)
            batch = []
    conv.last_seq = 100_000
    conv.save()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(liwei)
    rows = []
    for label, path in [
        ("conversation page (newest 50)", f"/chats/{conv.pk}/"),
        ("older page by cursor (JSON)", f"/chats/{conv.pk}/messages?before=50000"),
        ("catch-up after seq (JSON)", f"/chats/{conv.pk}/messages?after=99950"),
    ]:
        client.get(path)
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(path)
        samples = []
        for _ in range(40):
            started = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        rows.append(
            [label, f"{statistics.median(samples):.1f}", f"{percentile(samples, 0.95):.1f}", len(queries)]
        )
    return rows


# --- Fan-out ---------------------------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by the server processes (robust to other load on the machine)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_room(n: int) -> tuple[int, list[str]]:
    users = [User(username=f"fan{i}", public_id=f"fanout{i:04d}", display_name=f"Fan {i}") for i in range(n)]
    User.objects.bulk_create(users, ignore_conflicts=True)
    users = list(User.objects.filter(username__startswith="fan").order_by("pk")[:n])
    conv = Conversation.objects.create(kind="group", name="Fan-out", owner=users[0], created_at=clock.now())
    Membership.objects.bulk_create(
        [Membership(conversation=conv, user=u, joined_at=clock.now()) for u in users]
    )
    cookies = []
    for u in users:
        s = SessionStore()
        s[SESSION_KEY] = str(u.pk)
        s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        s[HASH_SESSION_KEY] = u.get_session_auth_hash()
        s.save()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={s.session_key}")
    return conv.pk, cookies


def start_server(kind: str, port: int, env: dict) -> subprocess.Popen:
    bin_dir = Path(sys.executable).parent
    if kind == "uvicorn":
        # SERVER_PROFILE=file: run the server under cProfile (the event loop's thread) to find CPU per delivery.
        profile = os.environ.get("SERVER_PROFILE")
        runner = (
            [sys.executable, "-m", "cProfile", "-o", f"{profile}.{port}", "-m", "uvicorn"] if profile else []
        )
        cmd = [
            *(runner or [str(bin_dir / "uvicorn")]),
            "bench.fanout_asgi:application",
            "--port",
            str(port),
            "--ws",
            "websockets-sansio",
            "--log-level",
            "warning",
            "--ws-max-size",
            "1048576",
        ]
    else:
        cmd = [str(bin_dir / "daphne"), "-p", str(port), "-b", "127.0.0.1", "bench.fanout_asgi:application"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{kind} did not start: {proc.stderr.read().decode()[-2000:]}")


class MinimalClient:
    def __init__(self, base):
        self.url = base.replace("http://", "ws://") + "/bench/ws/"
        self.origin = base
        self.received = []  # (arrival, stamp, id)

    async def connect(self):
        self.ws = await websockets.connect(
            self.url, additional_headers={"Origin": self.origin}, max_size=2**22, ping_interval=None
        )
        self.task = asyncio.ensure_future(self.read())
        return self

    async def read(self):
        try:
            async for raw in self.ws:
                now = time.time()
                data = json.loads(raw)
                self.received.append((now, data["t"], data["id"]))
        except (websockets.ConnectionClosed, asyncio.CancelledError):
            pass

    async def send(self, ident):
        # Padded to the size of the app's chat.message event, so both push the same bytes per delivery.
        await self.ws.send(json.dumps({"t": time.time(), "id": ident, "pad": "x" * PAD}))

    async def close(self):
        await self.ws.close()
        self.task.cancel()


async def run_minimal(bases: list[str]) -> dict:
    clients = [MinimalClient(bases[i % len(bases)]) for i in range(CLIENTS)]
    for chunk in range(0, CLIENTS, 50):
        await asyncio.gather(*(c.connect() for c in clients[chunk : chunk + 50]))
    await asyncio.sleep(0.5)
    # (a) workshop pace
    count = int(PACE_SECONDS * PACE_RATE)
    for n in range(count):
        await clients[n % CLIENTS].send(f"p{n}")
        await asyncio.sleep(1 / PACE_RATE)
    await asyncio.sleep(1.5)
    lat = [(arr - t) * 1000 for c in clients for arr, t, ident in c.received if ident.startswith("p")]
    pace = {
        "p50": percentile(lat, 0.5),
        "p99": percentile(lat, 0.99),
        "delivered": len(lat),
        "expected": count * CLIENTS,
    }
    for c in clients:
        c.received.clear()
    # (b) saturation
    total = CLIENTS * BURST_EACH
    started = time.time()
    await asyncio.gather(*(c.send(f"b{i}-{k}") for i, c in enumerate(clients) for k in range(BURST_EACH)))
    last = 0
    quiet_since = time.monotonic()
    while True:
        got = sum(len(c.received) for c in clients)
        if got >= total * CLIENTS:
            break
        if got != last:
            last, quiet_since = got, time.monotonic()
        elif time.monotonic() - quiet_since > 2:
            break
        await asyncio.sleep(0.02)
    finished = max((arr for c in clients for arr, _t, _i in c.received), default=time.time())
    got = sum(len(c.received) for c in clients)
    burst = {
        "rate": got / max(finished - started, 1e-6),
        "delivered": got,
        "expected": total * CLIENTS,
        "seconds": finished - started,
    }
    await asyncio.gather(*(c.close() for c in clients))
    return {"pace": pace, "burst": burst}


async def run_app(bases: list[str], conversation: int, cookies: list[str]) -> dict:
    clients = [ChatClient(bases[i % len(bases)], cookie, conversation) for i, cookie in enumerate(cookies)]
    for chunk in range(0, CLIENTS, 50):
        await asyncio.gather(*(c.connect() for c in clients[chunk : chunk + 50]))
    await asyncio.sleep(1.0)
    # (a) workshop pace: senders take turns (each person stays far under the 20-per-10-s limit)
    count = int(PACE_SECONDS * PACE_RATE)
    sends = []
    for n in range(count):
        sends.append(
            asyncio.ensure_future(
                clients[(n * 7) % CLIENTS].send_text(f"t={time.time()} pace {n}", client_id=f"pace-{n}")
            )
        )
        await asyncio.sleep(1 / PACE_RATE)
    await asyncio.gather(*sends)
    await asyncio.sleep(1.5)
    lat = [x * 1000 for c in clients for x in c.latencies]
    pace = {
        "p50": percentile(lat, 0.5),
        "p99": percentile(lat, 0.99),
        "delivered": len(lat),
        "expected": count * CLIENTS,
    }
    before = {id(c): len(c.by_seq) for c in clients}
    # (b) saturation
    per = BURST_EACH
    total_new = CLIENTS * per
    started = time.time()
    await asyncio.gather(
        *(
            c.send_text(f"burst {i}-{k}", client_id=f"burst-{i}-{k}")
            for i, c in enumerate(clients)
            for k in range(per)
        )
    )
    acked = time.time() - started
    target = count + total_new
    last, quiet_since = -1, time.monotonic()
    while any(len(c.by_seq) < target for c in clients):
        got = sum(len(c.by_seq) for c in clients)
        if got != last:
            last, quiet_since = got, time.monotonic()
        elif time.monotonic() - quiet_since > 1.0:
            break
        await asyncio.sleep(0.02)
    live = sum(len(c.by_seq) - before[id(c)] for c in clients)
    live_done = time.time() - started
    if os.environ.get("BENCH_VERBOSE"):
        print(
            f"  app burst: all acked after {acked:.1f} s, live phase {live_done:.1f} s, live {live}/{total_new * CLIENTS}"
        )
    missing = [c for c in clients if c.contiguous < target]
    for chunk in range(0, len(missing), 50):  # what the layer dropped, the sequence reveals; fetch it
        await asyncio.gather(*(c.sync() for c in missing[chunk : chunk + 50]))
    finished = time.time()
    complete = all([m["seq"] for m in c.ordered()] == list(range(1, target + 1)) for c in clients)
    if os.environ.get("BENCH_VERBOSE") and not complete:
        bad = [c for c in clients if [m["seq"] for m in c.ordered()] != list(range(1, target + 1))]
        c = bad[0]
        print(
            f"  incomplete: {len(bad)} clients, e.g. {len(c.by_seq)} kept, contiguous {c.contiguous}, max {max(c.by_seq, default=0)}, target {target}, errors {c.errors[:2]}"
        )
    got = sum(len(c.by_seq) - before[id(c)] for c in clients)
    dup = sum(c.duplicate_events for c in clients)
    burst = {
        "rate": got / (finished - started),
        "delivered": got,
        "live": live,
        "expected": total_new * CLIENTS,
        "seconds": finished - started,
        "complete": complete and dup == 0,
    }
    await asyncio.gather(*(c.close() for c in clients))
    return {"pace": pace, "burst": burst}


def app_event_size(conversation: int) -> int:
    """Bytes of one chat.message event as the app sends it (to pad the baseline's frames alike)."""
    from apps.chat import selectors, services

    conv = Conversation.objects.get(pk=conversation)
    sender = conv.memberships.first().user
    message = services.message_send(sender=sender, conversation=conv, text=f"t={time.time():.6f} pace 0")
    size = len(
        json.dumps(
            {
                "type": "chat.message",
                "data": {"conversation": conv.pk, "message": selectors.message_data(message)},
            },
            ensure_ascii=False,
        )
    )
    message.delete()
    Conversation.objects.filter(pk=conversation).update(last_seq=0)
    return size


PAD = 0


def fanout_rows() -> list[list]:
    global PAD
    conversation, cookies = make_room(CLIENTS)
    PAD = max(0, app_event_size(conversation) - 60)
    print(f"  app chat.message event: {PAD + 60} bytes; the baseline's frames are padded to match")
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_SETTINGS_MODULE": "socialdemo.settings",
        "PYTHONPATH": str(ROOT),
    }
    rows = []
    for server in SERVERS:
        # "uvicorn*2": two server processes; clients alternate between them (needs REDIS_URL).
        kind, _, copies = server.partition("*")
        copies = int(copies or 1)
        if copies > 1 and not os.environ.get("REDIS_URL"):
            continue
        procs, bases = [], []
        try:
            for _ in range(copies):
                port = free_port()
                procs.append(start_server(kind, port, env))
                bases.append(f"http://127.0.0.1:{port}")
            layer = "redis pub/sub" if os.environ.get("REDIS_URL") else "in-memory"
            pids = [p.pid for p in procs]
            cpu0, own0 = cpu_seconds(pids), cpu_seconds([os.getpid()])
            m = asyncio.run(run_minimal(bases))
            cpu1, own1 = cpu_seconds(pids), cpu_seconds([os.getpid()])
            a = asyncio.run(run_app(bases, conversation, cookies))
            cpu2, own2 = cpu_seconds(pids), cpu_seconds([os.getpid()])
            m["cpu"], a["cpu"] = cpu1 - cpu0, cpu2 - cpu1
            m["client_cpu"], a["client_cpu"] = own1 - own0, own2 - own1
            # The next server's run reuses the room: start the app's sequence afresh.
            Message.objects.filter(conversation_id=conversation).delete()
            Conversation.objects.filter(pk=conversation).update(last_seq=0)
        finally:
            for proc in procs:
                # SIGINT: Uvicorn re-raises the signal it stopped on; as KeyboardInterrupt, cProfile still writes.
                proc.send_signal(signal.SIGINT if os.environ.get("SERVER_PROFILE") else signal.SIGTERM)
                proc.wait(10)
        for label, r in (("minimal consumer", m), ("app (chat.send)", a)):
            b = r["burst"]
            rows.append(
                [
                    server,
                    layer,
                    label,
                    f"{r['pace']['p50']:.0f}",
                    f"{r['pace']['p99']:.0f}",
                    f"{r['pace']['delivered']}/{r['pace']['expected']}",
                    f"{b['rate']:.0f}",
                    f"{b['delivered']}/{b['expected']}"
                    + ("" if "complete" not in b else (" complete" if b["complete"] else " INCOMPLETE")),
                    f"{b['seconds']:.1f}",
                    f"{r['cpu']:.1f}",
                    f"{r['cpu'] * 1e6 / max(1, r['pace']['delivered'] + b['delivered']):.0f}",
                    f"{r['client_cpu']:.1f}",
                ]
            )
        time.sleep(1)
    return rows


if __name__ == "__main__":
    big = [] if os.environ.get("SKIP_BIG") else open_big_chat()
    if big:
        table(
            "Opening a chat of 100,000 messages (Django test client, SQLite, 40 requests, ms)",
            ["request", "p50", "p95", "queries"],
            big,
        )
        print()
    rows = fanout_rows()
    table(
        f"Fan-out to {CLIENTS} websocket clients in one group (loopback; latency ms; (a) {PACE_RATE} msg/s for {PACE_SECONDS:.0f} s, (b) {BURST_EACH} per client at once)",
        [
            "server",
            "layer",
            "consumer",
            "(a) p50",
            "(a) p99",
            "(a) delivered",
            "(b) deliveries/s",
            "(b) delivered",
            "(b) s",
            "server CPU s",
            "CPU µs/delivery",
            "client CPU s",
        ],
        rows,
    )
