"""The time machine: the host moves the clock for every process; overdue periodic work runs at once."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.bottles import services as bottles
from apps.core import clock
from apps.core.models import ClockOffset, Lease
from apps.nearby import services as nearby
from apps.nearby.models import Presence
from apps.wallet import services as wallet
from apps.wallet.models import PaymentProfile, Transfer
from apps.workshop import timemachine

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400


def jump(client, to):
    return client.post("/workshop/clock/", {"to": to})


def ahead() -> float:
    return clock.offset().total_seconds()


def test_the_host_moves_the_clock_an_hour_a_day_a_week_and_back_to_now(host, client_as, demo):
    client = client_as(host)
    assert jump(client, "hour").status_code == 302
    assert ahead() == 3600
    jump(client, "day")
    assert ahead() == 3600 + DAY
    jump(client, "week")
    assert ahead() == 3600 + 8 * DAY
    assert "ahead" in client.get("/workshop/").content.decode()
    jump(client, "now")
    assert ahead() == 0


def test_an_attendee_cannot_move_the_clock(host, emma, client_as, demo):
    assert jump(client_as(emma), "day").status_code == 403
    assert ahead() == 0 and not ClockOffset.objects.exists()


def test_with_demo_mode_off_nobody_moves_the_clock(host, client_as, settings):
    settings.DEMO_MODE = False
    assert jump(client_as(host), "day").status_code == 404
    assert not ClockOffset.objects.exists()


def test_the_clock_is_not_moved_by_a_get(host, client_as, demo):
    assert client_as(host).get("/workshop/clock/", {"to": "day"}).status_code == 405
    assert ahead() == 0


def test_an_unknown_jump_is_refused_clearly_and_changes_nothing(host, client_as, demo):
    response = client_as(host).post("/workshop/clock/", {"to": "year"}, follow=True)
    assert "Choose how far to move the clock." in response.content.decode()
    assert ahead() == 0


def test_the_clock_goes_no_further_than_a_year_ahead(host, demo):
    for _ in range(52):
        timemachine.clock_jump(actor=host, to="week")
    with pytest.raises(Exception, match="as far ahead as it goes"):
        timemachine.clock_jump(actor=host, to="week")
    assert ahead() == 52 * 7 * DAY


def test_the_stored_offset_counts_only_in_demo_mode(host, demo, settings):
    timemachine.clock_jump(actor=host, to="day")
    settings.DEMO_MODE = False
    assert ahead() == 0


def test_now_reads_the_stored_offset_at_most_once_a_second_not_per_call(
    host, demo, django_assert_num_queries
):
    timemachine.clock_jump(actor=host, to="day")
    cache.clear()
    clock.machine_forget()
    with CaptureQueriesContext(
        connection
    ) as done:  # neither the copy nor the cache has it: the database, once
        for _ in range(1000):
            clock.now()
    # (in a savepoint: this test runs inside a transaction)
    assert [q["sql"] for q in done.captured_queries if "core_clockoffset" in q["sql"]] == [
        q["sql"] for q in done.captured_queries if "SAVEPOINT" not in q["sql"]
    ]
    assert len([q for q in done.captured_queries if "core_clockoffset" in q["sql"]]) == 1
    assert ahead() == DAY
    clock.machine_forget()  # the second is over: the cache answers, no query
    with django_assert_num_queries(0):
        for _ in range(1000):
            clock.now()
    assert ahead() == DAY


def test_tests_and_seeds_keep_their_own_offset_on_top(host, demo):
    timemachine.clock_jump(actor=host, to="hour")
    with clock.travel(timedelta(minutes=5)):
        assert ahead() == 3600 + 300
    clock.advance(timedelta(minutes=1))
    assert ahead() == 3600 + 60


# --- Across processes -----------------------------------------------------------------------------


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def other_process_offset() -> float:
    """`clock.offset()` as a separate Django process on the same database sees it (a worker, a command)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "PYTEST_VERSION"}}
    env.update(DEMO_MODE="1", DATABASE_URL=_database_url())
    shown = "from apps.core import clock; print(clock.offset().total_seconds())"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", shown],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return float(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_another_process_sees_the_clock_the_console_moved(host, client_as, demo):
    assert other_process_offset() == 0
    jump(client_as(host), "day")
    assert other_process_offset() == DAY
    jump(client_as(host), "now")
    assert other_process_offset() == 0


# --- Overdue work runs at once after a jump ------------------------------------------------------------


def test_a_jump_of_a_week_washes_the_bottles_away_at_once(host, emma, demo):
    bottle = bottles.bottle_throw(actor=emma, text="Hello from Auckland")
    timemachine.clock_jump(actor=host, to="week")
    bottle.refresh_from_db()
    assert not bottle.in_sea


def test_a_jump_of_a_day_refunds_a_transfer_at_once(host, liwei, wangfang, demo):
    PaymentProfile.objects.filter(pk=wallet.profile_for(liwei).pk).update(pin_hash=make_password("135790"))
    wallet.topup(actor=liwei, amount=10_00, pin="135790", idempotency_key="tm-topup")
    transfer = wallet.transfer_create(
        actor=liwei, to=wangfang, amount="3", pin="135790", idempotency_key="tm-transfer"
    )
    assert wallet.account_for(liwei).balance == 7_00
    timemachine.clock_jump(actor=host, to="day")
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.EXPIRED
    assert wallet.account_for(liwei).balance == 10_00


def test_a_jump_of_an_hour_lapses_people_nearby_at_once(host, emma, demo):
    nearby.location_set(user=emma, lat=31.23, lon=121.47, period="1h")
    timemachine.clock_jump(actor=host, to="hour")
    assert not Presence.objects.filter(user=emma).exists()


def test_back_to_now_leaves_no_lease_held_in_the_future(host, demo):
    timemachine.clock_jump(actor=host, to="week")
    # Taken a week ahead of real time.
    assert Lease.objects.filter(until__gt=timezone.now() + timedelta(days=6)).exists()
    timemachine.clock_jump(actor=host, to="now")
    # Every job ran again on real time: no lease waits for next week.
    assert Lease.objects.exists()
    assert not Lease.objects.filter(until__gt=timezone.now() + timedelta(hours=2)).exists()


def test_a_failed_read_of_the_offset_leaves_the_callers_transaction_usable(host, demo, monkeypatch):
    """As when a migration asks the time before the offset's table exists (on PostgreSQL a failed statement
    would abort the whole transaction)."""
    monkeypatch.setattr(ClockOffset._meta, "db_table", "core_not_migrated_yet")
    cache.clear()
    clock.machine_forget()
    with transaction.atomic():
        clock.now()  # the read fails: the copy (zero) stays
        assert ahead() == 0
        monkeypatch.undo()
        assert Lease.objects.count() >= 0  # the transaction still works
