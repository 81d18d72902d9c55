"""Periodic work: one loop per worker process, one run per job and period across processes (a lease)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from apps.core import clock, periodic
from apps.core.models import Lease
from tests.conftest import serve_lifespan_until


@pytest.fixture
def only_job(monkeypatch):
    """Replace the registered jobs with the test's own; returns `add(name, every)` -> the list of its runs."""
    monkeypatch.setattr(periodic, "_jobs", {})
    monkeypatch.setattr(periodic, "_next_look", {})

    def add(name, every=30, fail=False):
        runs = []

        def run():
            runs.append(clock.now())
            if fail:
                raise RuntimeError("a bad row")
            return len(runs)

        periodic.register(name, run, every=every)
        return runs

    return add


def test_two_processes_run_a_job_once_per_period(db, only_job):
    runs = only_job("refresh", every=60)
    assert periodic.run_due(holder="worker-1") == {"refresh": 1}
    assert periodic.run_due(holder="worker-2") == {}  # worker 1 holds this period
    assert periodic.run_due(holder="worker-1") == {}  # and does not run it twice in one period
    clock.advance(timedelta(seconds=61))
    assert periodic.run_due(holder="worker-2") == {"refresh": 2}  # the next period is whoever comes first
    assert periodic.run_due(holder="worker-1") == {}
    assert len(runs) == 2


def test_a_process_that_dies_stops_holding_its_lease_one_period_later(db, only_job):
    only_job("refresh", every=60)
    periodic.run_due(holder="died")
    clock.advance(timedelta(seconds=59))
    assert periodic.run_due(holder="alive") == {}
    clock.advance(timedelta(seconds=2))
    assert periodic.run_due(holder="alive") == {"refresh": 2}
    assert Lease.objects.get(name="refresh").holder == "alive"


def test_a_failing_job_does_not_stop_the_others(db, only_job):
    only_job("broken", fail=True)
    runs = only_job("fine")
    assert periodic.run_due(holder="w") == {"fine": 1}
    assert len(runs) == 1


@pytest.mark.django_db(transaction=True)
def test_processes_at_the_same_instant_run_it_once(only_job):
    runs = only_job("refresh", every=60)
    barrier = threading.Barrier(6)

    def worker(n):
        barrier.wait()
        return periodic.run_due(holder=f"worker-{n}")

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(worker, range(6)))
    assert sum(len(r) for r in results) == 1 and len(runs) == 1


@pytest.mark.django_db(transaction=True)
def test_the_server_lifespan_runs_the_jobs_until_shutdown(only_job):
    ran = threading.Event()
    only_job("refresh", fail=True)  # a failure is logged; the loop goes on
    periodic.register("mark", ran.set, every=30)

    assert serve_lifespan_until(ran) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert ran.is_set() and periodic._task is None
