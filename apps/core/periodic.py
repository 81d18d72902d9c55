"""The one home for periodic work: apps register jobs; every worker process runs the loop; a lease in the
database lets exactly one process run each job per period.

    periodic.register("wallet.expire_due", wallet_expire_due, every=30)

Why this and not a library: the embedded default is one `uvicorn` process with SQLite and no broker, and the
scale-out several processes on PostgreSQL. Celery beat and RQ need a broker and a process of their own,
APScheduler keeps its schedule per process (several workers would each run every job), Procrastinate needs
PostgreSQL. A lease row in the app's own database serves both setups with nothing more to run: the loop
starts with the server (an ASGI lifespan), and a worker that dies stops holding its leases one period later.

Jobs must still be safe to run twice (a lease can lapse while a slow run goes on): the wallet's expiries are
conditional updates, the hot-search refresh replaces its list in one transaction.
"""

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.db import IntegrityError, close_old_connections, transaction

from apps.core import clock, collector

log = logging.getLogger(__name__)
TICK = 1.0  # seconds between looks at what is due


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]
    every: float  # seconds


_jobs: dict[str, Job] = {}
_task: asyncio.Task | None = None
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"  # this process


def register(name: str, run: Callable[[], object], *, every: float) -> None:
    """Run `run()` about every `every` seconds, in one worker process at a time."""
    _jobs[name] = Job(name, run, every)


def jobs() -> list[Job]:
    return list(_jobs.values())


def lease_take(name: str, *, seconds: float, holder: str = HOLDER):
    """Take the lease on `name` for `seconds` if nobody holds it now.

    Returns (taken, until): whether this holder has it, and when the lease in force ends.
    """
    from .models import Lease  # models load after the app registry; apps register jobs before

    now = clock.now()
    until = now + timedelta(seconds=seconds)
    if Lease.objects.filter(name=name, until__lte=now).update(holder=holder, until=until):
        return True, until
    try:
        with transaction.atomic():
            Lease.objects.create(name=name, holder=holder, until=until)
    except IntegrityError:  # somebody holds it: look again when their lease ends
        held_until = Lease.objects.filter(name=name).values_list("until", flat=True).first()
        return False, held_until or now
    return True, until


_next_look: dict[tuple[str, str], object] = {}  # (holder, job name) -> when to look at its lease again


def run_due(*, holder: str = HOLDER) -> dict[str, object]:
    """Run every job whose lease this process can take now; {job name: its result}."""
    results = {}
    now = clock.now()
    for job in jobs():
        look = _next_look.get((holder, job.name))
        if look is not None and now < look <= now + timedelta(seconds=job.every):  # (the clock may go back)
            continue
        try:
            taken, _next_look[holder, job.name] = lease_take(job.name, seconds=job.every, holder=holder)
            if taken:
                results[job.name] = job.run()
        except Exception:  # one failing job must not stop the others, nor the next round
            log.exception("periodic job %s failed", job.name)
    return results


def catch_up(*, holder: str = HOLDER) -> dict[str, object]:
    """After the clock jumped (the time machine): run every job now, whatever its lease; {job name: result}.

    Leases end on the one clock, so a jump forward would leave each job for the next tick and a jump back
    would hold each lease until the far future it was taken in: every lease is released here, then every
    job runs at once (jobs are safe to run twice).
    """
    from .models import Lease

    Lease.objects.update(until=clock.now() - timedelta(microseconds=1))
    for key in [k for k in _next_look if k[0] == holder]:
        del _next_look[key]
    return run_due(holder=holder)


def _run_due_in_thread() -> None:
    close_old_connections()  # the loop's thread keeps its connection between rounds, as a request's would
    try:
        run_due()
    finally:
        close_old_connections()


async def _loop(tick: float) -> None:
    while True:
        await sync_to_async(_run_due_in_thread, thread_sensitive=False)()
        await asyncio.sleep(tick)


def start(tick: float = TICK) -> None:
    """Start the loop in this event loop, once."""
    global _task
    if _task is None or _task.done():
        _task = asyncio.get_running_loop().create_task(_loop(tick))


async def stop() -> None:
    global _task
    if _task is not None:
        _task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await _task
        _task = None


async def lifespan(scope, receive, send) -> None:
    """ASGI lifespan: start the loop at startup, stop it at shutdown."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            collector.tune_for_serving()  # what start-up built lives as long as the server
            start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await stop()
            await send({"type": "lifespan.shutdown.complete"})
            return
