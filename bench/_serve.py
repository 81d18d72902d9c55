"""Run the app as `make demo` serves it (a Uvicorn subprocess with the demo target's flags), read the server's
CPU seconds from /proc, and talk HTTP/1.1 to it from asyncio as a browser would (cookies, CSRF, keep-alive).
"""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apps.core.clients import Browser, hidden_inputs  # noqa: E402,F401 (the benches' client, re-exported)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m socialdemo.serve` as the Makefile demo target runs it, DEMO_MODE=1."""

    def __init__(self, *, workers: int, env: dict, nice: int = 0):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "socialdemo.serve", "--port", str(self.port), "--workers", str(workers)]
        if nice:
            cmd = ["nice", "-n", str(nice), *cmd]
        env = {**os.environ, **env, "DEBUG": "0", "DEMO_MODE": "1", "PYTHONPATH": str(ROOT)}
        # A file, not a pipe: an unread pipe fills up and then blocks every server thread that logs.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        self.workers = workers
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {self.log_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    ready = s.recv(64).startswith(b"HTTP/1.1 200")
                    if ready and self.listening() >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("uvicorn did not answer /healthz within 60 s")

    def listening(self) -> int:
        """How many sockets listen on the port: one per worker that accepts (socialdemo.serve), so a
        benchmark's first connections are not all taken by the worker that happened to start first."""
        port = f":{self.port:04X}"
        rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
        return sum(1 for row in rows if row[1].endswith(port) and row[3] == "0A")  # 0A: LISTEN

    def pids(self) -> list[int]:
        """The server process and its workers (Uvicorn's supervisor forks one child per worker)."""
        tree, frontier = [self.proc.pid], [self.proc.pid]
        while frontier:
            parent = frontier.pop()
            for child in _children(parent):
                tree.append(child)
                frontier.append(child)
        return tree

    def cpu_seconds(self) -> float:
        """User + system CPU time the server processes have used so far (robust to other load)."""
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def log_text(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(x) for x in (task / "children").read_text().split()]
    return found


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


# --- A served benchmark on both setups -----------------------------------------------------------------------

SETUPS = os.environ.get("SETUPS", "sqlite,pg").split(",")
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def reachable(url: str) -> str | None:
    """None if something listens at `url`'s host and port, else why not."""
    from urllib.parse import urlparse

    parts = urlparse(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    except OSError as exc:
        return f"{parts.scheme} at {parts.hostname}:{parts.port} unreachable ({exc.strerror or exc})"
    return None


def fresh_pg(name: str) -> tuple[str | None, str | None]:
    """(the URL of PostgreSQL database `name`, dropped and made anew; None) or (None, why not)."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    except Exception as exc:  # no server here: said, and the setup skipped
        return None, f"PostgreSQL: {exc}".strip()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, None


def served_setups(script: str, *, pg_db: str, prefix: str) -> int:
    """Run `script sqlite` (make demo's setup), then `script pg` on a fresh PostgreSQL database `pg_db` with
    Redis (docs/deploy.md's; skipped, said why, where either is unreachable), each in a process of its own
    that prints its table. 1 if either failed."""
    failed = False
    for name in SETUPS:
        env = {**os.environ}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        if name == "pg":
            url, reason = None, reachable(PG_ADMIN) or reachable(REDIS_URL)
            if not reason:
                url, reason = fresh_pg(pg_db)
            if reason:
                print(f"\nPostgreSQL + Redis skipped: {reason}")
                continue
            env.update(DATABASE_URL=url, REDIS_URL=REDIS_URL, REDIS_PREFIX=f"{prefix}{os.getpid()}")
        print(flush=True)
        result = subprocess.run(
            [sys.executable, str(Path(script).resolve()), name], cwd=ROOT, env=env, check=False
        )
        failed |= result.returncode != 0
    return 1 if failed else 0


# docs/deploy.md on 2 cores (docs/architecture.md, "Connections across workers").
HTTP_WORKERS, HTTP_NICE, WEBSOCKET_WORKERS = 2, 10, 1


class Deployment:
    """docs/deploy.md's two groups of workers: HTTP on `base` (two workers at nice 10) and the websockets on
    `ws_base` (one worker, where the proxy sends /ws/). A benchmark's clients go where the proxy would send them."""

    def __init__(self, *, env: dict):
        self.http = Server(workers=HTTP_WORKERS, env=env, nice=HTTP_NICE)
        self.websockets = Server(workers=WEBSOCKET_WORKERS, env=env)
        self.base, self.ws_base = self.http.base, self.websockets.base

    def pids(self) -> list[int]:
        return self.http.pids() + self.websockets.pids()

    def cpu_seconds(self) -> float:
        return self.http.cpu_seconds() + self.websockets.cpu_seconds()

    def stop(self):
        self.http.stop()
        self.websockets.stop()


def demo_server(setup_name: str, secret_key: str) -> tuple[Server | Deployment, str, str]:
    """(the server, its workers in words, its layer) as this setup runs it: `sqlite` as make demo (one worker
    for everything, the in-memory layer), `pg` as docs/deploy.md (HTTP workers at a lower priority and a
    websocket worker, channels-redis), on the child's database. Started; `.base` for HTTP, `.ws_base` for websockets."""
    env = {"SECRET_KEY": secret_key, "DATABASE_URL": os.environ["DATABASE_URL"]}
    if setup_name == "pg":
        env.update(REDIS_URL=os.environ["REDIS_URL"], REDIS_PREFIX=os.environ["REDIS_PREFIX"])
        workers = f"{HTTP_WORKERS} HTTP workers at nice {HTTP_NICE} + {WEBSOCKET_WORKERS} websocket worker"
        return Deployment(env=env), workers, "channels-redis"
    server = Server(workers=1, env=env)
    server.ws_base = server.base
    return server, "1 Uvicorn worker", "in-memory layer"
