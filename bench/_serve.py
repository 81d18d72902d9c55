"""Run the app as `make demo` serves it (a Uvicorn subprocess with the demo target's flags), read the server's
CPU seconds from /proc, and talk HTTP/1.1 to it from asyncio as a browser would (cookies, CSRF, keep-alive).
"""

import asyncio
import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import h11

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = float(os.environ.get("HTTP_TIMEOUT", "60"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`uvicorn socialdemo.asgi:application` with the Makefile demo target's flags and DEMO_MODE=1."""

    def __init__(self, *, workers: int, env: dict):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [
            str(Path(sys.executable).parent / "uvicorn"),
            "socialdemo.asgi:application",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--workers", str(workers),
            "--ws", "websockets-sansio",
            "--ws-max-size", "1048576",
            "--log-level", "warning",
        ]  # fmt: skip
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
                    if ready and len(self.pids()) >= (1 if self.workers == 1 else self.workers + 1):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("uvicorn did not answer /healthz within 60 s")

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


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")
