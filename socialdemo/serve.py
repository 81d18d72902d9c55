"""`python -m socialdemo.serve`: the app on Uvicorn as `make demo` and docs/deploy.md run it, with one listening
socket per worker.

Why not `uvicorn --workers N` as it is: its workers share one listening socket, and the first to wake takes every
connection waiting. Ten keep-alive connections opened at once all landed on one of two workers and the other
idled (the chat list: one worker at 0.9 of a core, the other at 0.01, 205-260 req/s instead of ~470). On Linux
each worker here binds a socket of its own with SO_REUSEPORT, and the kernel spreads new connections across them
by a hash of their addresses, as nginx's `reuseport` does. Elsewhere the shared socket stays.

Uvicorn's own supervisor still starts, health-checks and restarts the workers: it hands each worker it starts
the list of sockets it was given, and `_OwnSocket` in that list binds a new socket in the worker it is sent to.
"""

import argparse
import logging
import socket
import sys

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "socialdemo.asgi:application"
# The websocket implementation measured fastest for the room (docs/performance.md); frames up to 1 MiB (a photo
# travels over HTTP; a frame this large is an abuse and gets an error event).
SERVER_OPTIONS = {"ws": "websockets-sansio", "ws_max_size": 1_048_576, "backlog": 2048}
BALANCED = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")

logger = logging.getLogger("uvicorn.error")


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port in the SO_REUSEPORT group of that address (not yet listening)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


class _OwnSocket:
    """Stands for the listening socket in what the supervisor sends a worker: unpickled there, it is a new
    socket of that worker's own in the address's SO_REUSEPORT group."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port

    def __reduce__(self):
        return reuse_port_socket, (self.host, self.port)


def serve(*, host: str, port: int, workers: int, log_level: str = "warning", **options) -> None:
    config = uvicorn.Config(
        APP, host=host, port=port, workers=workers, log_level=log_level, **SERVER_OPTIONS, **options
    )
    if workers == 1:
        uvicorn.Server(config).run()
        return
    if not BALANCED:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    # The parent binds the address without listening: it says at once if the address is taken, turns port 0
    # into a real port, and keeps the port while workers come and go. Only listening sockets get connections.
    try:
        holder = reuse_port_socket(host, port)
    except OSError as exc:
        sys.exit(f"Cannot listen on {host}:{port}: {exc.strerror or exc}")
    port = holder.getsockname()[1]
    config.port = port
    logger.info("Uvicorn running on http://%s:%d with %d workers, a socket each", host, port, workers)
    try:
        Multiprocess(config, sockets=[_OwnSocket(host, port)]).run()
    finally:
        holder.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m socialdemo.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1, help="processes; more than 1 needs REDIS_URL")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument(
        "--proxy-headers", action="store_true", help="trust X-Forwarded-Proto/For from --forwarded-allow-ips"
    )
    parser.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    args = parser.parse_args(argv)
    serve(
        host=args.host, port=args.port, workers=args.workers, log_level=args.log_level,
        proxy_headers=args.proxy_headers, forwarded_allow_ips=args.forwarded_allow_ips,
    )  # fmt: skip


if __name__ == "__main__":
    main()
