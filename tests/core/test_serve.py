"""`python -m socialdemo.serve`, the server `make demo` and docs/deploy.md run: with several workers, connections
opened at once are spread across them (each worker accepts on a socket of its own)."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from socialdemo.serve import BALANCED

ROOT = Path(__file__).resolve().parents[2]
CONNECTIONS = 16
ROUNDS = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> int:
    rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    return sum(1 for row in rows if row[1].endswith(f":{port:04X}") and row[3] == "0A")  # 0A: LISTEN


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _accepted_by(pid: int, port: int) -> int:
    """How many established connections to `port` the process `pid` holds (its accepted ones)."""
    rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    ours = {row[9] for row in rows if row[1].endswith(f":{port:04X}") and row[3] == "01"}  # 01: ESTABLISHED
    return len(ours & _socket_inodes(pid))


@pytest.fixture
def two_workers(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "DEMO_MODE": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)  # only HTTP is asked for here; the in-memory layer will do
    server = subprocess.Popen(
        [sys.executable, "-m", "socialdemo.serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while _listening(port) < 2:
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "the two workers did not both listen within 60 s"
            time.sleep(0.1)
        yield server, port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


def _workers_of(server) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [int(pid) for pid in children if Path(f"/proc/{pid}/cmdline").read_bytes().find(b"spawn") >= 0]


async def _open_at_once(port: int, n: int) -> list:
    """n connections opened together (as a page's parallel requests or a benchmark's clients are), each
    answered once, so that every one has been accepted."""

    async def one():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        await writer.drain()
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
        return writer

    return await asyncio.gather(*(one() for _ in range(n)))


@pytest.mark.skipif(not BALANCED, reason="SO_REUSEPORT balancing is Linux's")
def test_connections_opened_at_once_are_spread_across_the_workers(two_workers):
    server, port = two_workers

    async def rounds():
        spreads = []
        for _ in range(ROUNDS):
            writers = await _open_at_once(port, CONNECTIONS)
            spreads.append(sorted(_accepted_by(pid, port) for pid in _workers_of(server)))
            for writer in writers:
                writer.close()
                await writer.wait_closed()
        return spreads

    spreads = asyncio.run(rounds())
    assert all(len(spread) == 2 and sum(spread) == CONNECTIONS for spread in spreads), spreads
    # Hashed across two sockets, all 16 of a round go to one worker once in 32,768 rounds; with one shared
    # socket (`uvicorn --workers 2`) they went to one worker in most rounds (the one that woke first).
    assert not [spread for spread in spreads if spread[0] == 0], spreads


def test_a_taken_address_is_said_at_once():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "socialdemo.serve", "--port", str(port), "--workers", "2"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode != 0
    assert "Address already in use" in result.stderr


def test_the_demo_serves_with_it():
    serve = next(line for line in (ROOT / "Makefile").read_text().splitlines() if "socialdemo.serve" in line)
    assert "--workers $(WORKERS)" in serve
