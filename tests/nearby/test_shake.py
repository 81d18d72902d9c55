"""Shake: pairs within the window, the nearest first, both told; nobody with themselves, someone blocked, or
twice at once; "nobody found" when the window closes; budgets; the pairing holds under real threads on
PostgreSQL (row locks), where several worker processes would share the same rows."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse

from apps.accounts import services as accounts
from apps.accounts.models import FriendRequest, User
from apps.core import clock, periodic
from apps.core.errors import DomainError, RateLimited
from apps.nearby import services, shake
from apps.nearby.models import ShakeAttempt
from tests.conftest import need_service

Matched, Waiting, Alone = ShakeAttempt.State.MATCHED, ShakeAttempt.State.WAITING, ShakeAttempt.State.ALONE


def test_two_people_shaking_together_are_paired_and_both_told(emma, tom, place, published_events):
    place(emma)
    place(tom, x=53)
    with published_events() as sent:
        first = shake.shake_start(user=emma)
        assert first.state == Waiting
        second = shake.shake_start(user=tom)
    first.refresh_from_db()
    assert second.state == Matched and first.state == Matched
    assert first.partner_id == second.pk and second.partner_id == first.pk
    assert str(second.get_band_label()) == "Within 500 m"
    assert first.row is None and second.col is None  # the cells are dropped once it is over
    told = {(e["type"], e["user_ids"][0], e["data"]["shake"]) for e in sent}
    assert told == {("nearby.shake.matched", emma.pk, first.pk), ("nearby.shake.matched", tom.pk, second.pk)}


def test_shaking_needs_people_nearby_and_being_visible(emma, place):
    with pytest.raises(DomainError):
        shake.shake_start(user=emma)
    place(emma, visible=False)
    with pytest.raises(DomainError):
        shake.shake_start(user=emma)
    assert not ShakeAttempt.objects.exists()


def test_a_lone_shaker_is_told_nobody_was_found_when_the_window_closes(emma, place, published_events):
    place(emma)
    attempt = shake.shake_start(user=emma)
    with published_events() as sent:
        assert shake.shakes_close() == 0  # still open
        clock.advance(shake.window() + timedelta(milliseconds=10))
        assert shake.shakes_close() == 1
    attempt.refresh_from_db()
    assert attempt.state == Alone and attempt.row is None
    assert sent == [{"type": "nearby.shake.none", "data": {"shake": attempt.pk}, "user_ids": [emma.pk]}]


def test_shakes_in_different_windows_are_not_paired(emma, tom, place):
    place(emma)
    place(tom)
    first = shake.shake_start(user=emma)
    clock.advance(shake.window() + timedelta(milliseconds=10))
    second = shake.shake_start(user=tom)
    assert second.state == Waiting
    first.refresh_from_db()
    assert first.partner_id is None


def test_nobody_shakes_twice_at_once(emma, place):
    place(emma)
    shake.shake_start(user=emma)
    with pytest.raises(DomainError) as refused:
        shake.shake_start(user=emma)
    assert refused.value.code == "shaking"
    clock.advance(shake.window())
    again = shake.shake_start(user=emma)  # the first one has closed: a new shake
    assert again.state == Waiting
    assert ShakeAttempt.objects.filter(user=emma).count() == 2


def test_blocked_people_are_never_paired_either_way(emma, tom, sophie, place):
    for person in (emma, tom, sophie):
        place(person)
    accounts.user_block(actor=tom, target=emma)
    a = shake.shake_start(user=emma)
    b = shake.shake_start(user=tom)
    assert b.state == Waiting
    c = shake.shake_start(user=sophie)
    assert c.state == Matched and c.partner_id == a.pk  # the earlier, not blocked one
    b.refresh_from_db()
    assert b.state == Waiting


def test_the_nearest_open_shake_is_preferred(emma, tom, sophie, zhouxin, place):
    place(zhouxin, city="anshan")
    place(emma)
    place(sophie, x=52)
    accounts.user_block(actor=zhouxin, target=emma)  # so both stay open for the third
    far = shake.shake_start(user=zhouxin)
    near = shake.shake_start(user=emma)
    assert far.state == near.state == Waiting
    third = shake.shake_start(user=sophie)
    assert third.partner_id == near.pk  # nearer, though the far one shook first


def test_shakes_have_an_hourly_budget(emma, place, settings, window_start):
    settings.SHAKES_PER_HOUR = 2
    place(emma)
    shake.shake_start(user=emma)
    clock.advance(shake.window())
    shake.shake_start(user=emma)
    clock.advance(shake.window())
    with pytest.raises(RateLimited):
        shake.shake_start(user=emma)


def test_the_periodic_job_pairs_shakes_left_open_and_closes_lapsed_ones(emma, tom, sophie, place):
    assert "nearby.shakes" in {job.name for job in periodic.jobs()}
    now = clock.now()
    for person in (emma, tom):
        ShakeAttempt.objects.create(user=person, row=1, col=1, created_at=now, closes_at=now + shake.window())
    ShakeAttempt.objects.create(
        user=sophie, row=1, col=1, created_at=now - timedelta(minutes=1), closes_at=now
    )
    assert shake.shake_periodic() == {"paired": 1, "closed": 1}
    assert set(ShakeAttempt.objects.values_list("user__username", "state")) == {
        ("emma", Matched),
        ("tom", Matched),
        ("sophie", Alone),
    }


def test_a_crowd_is_paired_as_far_as_possible_nobody_twice(db, place):
    crowd = [
        User.objects.create(username=f"s{i}", public_id=f"shaker{i:03d}", display_name=f"S{i}")
        for i in range(21)
    ]
    for i, person in enumerate(crowd):
        place(person, x=i * 4)
    for person in crowd:
        shake.shake_start(user=person)
    _assert_fair_pairs(expected_pairs=10)


def _assert_fair_pairs(*, expected_pairs: int, blocked: set[frozenset] = frozenset()):
    """Paired as far as possible: whoever is left open could not be paired with anyone else left open."""
    matched = list(ShakeAttempt.objects.filter(state=Matched).select_related("partner"))
    left = list(ShakeAttempt.objects.filter(state=Waiting).values_list("user_id", flat=True))
    assert all(frozenset((a, b)) in blocked for a in left for b in left if a != b)
    by_pk = {a.pk: a for a in matched}
    assert len(matched) == 2 * expected_pairs - (len(left) if len(left) > 1 else 0)
    for a in matched:
        assert a.partner.partner_id == a.pk  # each pairing is mutual
        assert a.partner.user_id != a.user_id  # never with oneself
        assert frozenset((a.user_id, a.partner.user_id)) not in blocked
        assert a.partner_id in by_pk
    users = [a.user_id for a in matched]
    assert len(users) == len(set(users))  # nobody twice


@pytest.mark.django_db(transaction=True)
def test_concurrent_shakers_on_postgresql_are_paired_once_each(place, settings):
    """Real threads shake at the same moment on PostgreSQL (row locks, several connections, as several worker
    processes would): every shaker is paired once, mutually, never with a blocked person, with no periodic
    pass to help (two blocked people may be the last two left: then they stay open)."""
    if connections["default"].vendor != "postgresql":
        try:
            import socket

            socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
        except OSError:
            need_service("PostgreSQL at 127.0.0.1:5432: the shake race runs in make test's PostgreSQL pass")
        pytest.skip(
            "row locks (SKIP LOCKED) exist on PostgreSQL only: it runs in make test's PostgreSQL pass"
        )
    settings.SHAKE_WINDOW_SECONDS = 60  # every thread shakes inside one window, however slow the machine
    crowd = [
        User.objects.create(username=f"c{i}", public_id=f"crowd{i:03d}", display_name=f"C{i}")
        for i in range(24)
    ]
    for i, person in enumerate(crowd):
        place(person, x=i * 4)
    blocked = {frozenset((crowd[0].pk, crowd[1].pk)), frozenset((crowd[2].pk, crowd[3].pk))}
    accounts.user_block(actor=crowd[0], target=crowd[1])
    accounts.user_block(actor=crowd[3], target=crowd[2])
    start = threading.Barrier(len(crowd), timeout=60)

    def shake_at_once(person):
        try:
            start.wait()
            return shake.shake_start(user=person)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(crowd)) as pool:
        list(pool.map(shake_at_once, crowd))
    # No periodic pass: a claimer that skipped a locked shake waits for it afterwards, so none is left open.
    _assert_fair_pairs(expected_pairs=12, blocked=blocked)


def test_the_result_page_is_only_the_shakers(emma, tom, client_as, place):
    place(emma)
    attempt = shake.shake_start(user=emma)
    assert client_as(tom).get(f"/nearby/shake/{attempt.pk}/").status_code == 404
    page = client_as(emma).get(f"/nearby/shake/{attempt.pk}/").content.decode()
    assert "Looking for someone" in page
    clock.advance(shake.window())
    page = client_as(emma).get(f"/nearby/shake/{attempt.pk}/").content.decode()
    assert "Nobody else was shaking just now" in page  # closed on asking


def test_the_shake_page_sends_the_invisible_to_the_location_form(emma, client_as, place):
    assert client_as(emma).get("/nearby/shake/")["Location"] == "/nearby/location/"
    place(emma)
    assert client_as(emma).get("/nearby/shake/").status_code == 200


def test_shakes_are_forgotten_after_a_week(emma, place):
    place(emma)
    attempt = shake.shake_start(user=emma)
    clock.advance(timedelta(days=6))
    assert shake.shakes_forget() == 0
    clock.advance(timedelta(days=1, seconds=1))
    assert shake.shakes_forget() == 1
    assert not ShakeAttempt.objects.filter(pk=attempt.pk).exists()
    assert "nearby.shake_history" in {job.name for job in periodic.jobs()}


def test_clearing_ones_location_ends_an_open_shake(emma, tom, place):
    place(emma)
    place(tom)
    attempt = shake.shake_start(user=emma)
    services.location_clear(user=emma)
    assert shake.shake_start(user=tom).state == Waiting  # nobody left to pair with
    attempt.refresh_from_db()
    assert attempt.state == Alone and attempt.row is None


def test_the_periodic_job_costs_one_query_when_nobody_is_shaking(
    emma, tom, place, django_assert_max_num_queries
):
    """It runs every second in every deployment: idle, one read and no transaction (on SQLite a transaction
    would take the write lock every second)."""
    place(emma)
    place(tom)
    shake.shake_start(user=emma)
    shake.shake_start(user=tom)  # paired: history, not open
    with django_assert_max_num_queries(1):
        assert shake.shake_periodic() == {"paired": 0, "closed": 0}


@pytest.mark.django_db(transaction=True)
def test_closing_lapsed_shakes_holds_one_at_a_time(postgresql):
    """A claim can hold one shake's row lock and wait for another's just as their windows end. Closing the
    lapsed shakes must not hold the other meanwhile: that is a deadlock, which PostgreSQL ends by failing one
    of them (a shaker would see "Something went wrong")."""
    now = clock.now()
    first, held = (
        ShakeAttempt.objects.create(
            user=User.objects.create(username=name, public_id=f"{name}0000", display_name=name),
            row=1,
            col=1,
            created_at=now - shake.window(),
            closes_at=now,
        )
        for name in ("lapsed1", "lapsed2")
    )
    locked = threading.Event()

    def claim():
        try:
            with transaction.atomic():
                ShakeAttempt.objects.select_for_update().get(pk=held.pk)
                locked.set()
                deadline = time.monotonic() + 10
                while not _someone_waits_for_a_row_lock():  # the close, for `held`
                    assert time.monotonic() < deadline, "the close never waited for the held shake"
                    time.sleep(0.02)
                # The close has been past `first`: it must not be holding it.
                return ShakeAttempt.objects.select_for_update(nowait=True).filter(pk=first.pk).exists()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        claimed = pool.submit(claim)
        assert locked.wait(10)
        closed = shake.shakes_close()
        assert claimed.result() is True
    assert closed == 2
    assert set(ShakeAttempt.objects.values_list("state", flat=True)) == {Alone}


def _someone_waits_for_a_row_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_saying_hi_after_a_shake_shows_where_the_request_came_from(emma, tom, sophie, client, place):
    """The request says it came from People Nearby (Shake's "say hi" included), in both languages; a request
    from elsewhere does not."""
    place(emma)
    place(tom)
    shake.shake_start(user=emma)
    assert shake.shake_start(user=tom).state == Matched
    client.force_login(emma)
    answer = client.post(
        reverse("nearby:greet", args=[tom.public_id]), {"message": "Hello, shaker!", "back": "shake"}
    )
    assert answer["Location"] == "/nearby/shake/"
    assert FriendRequest.objects.get(from_user=emma, to_user=tom).source == FriendRequest.Source.NEARBY
    accounts.friend_request_send(sender=sophie, recipient=tom, message="From the search")
    client.force_login(tom)
    page = client.get(reverse("accounts:new_friends")).content.decode()
    assert page.count("From People Nearby") == 1 and "Hello, shaker!" in page
    tom.language = "zh-hans"
    tom.save(update_fields=["language"])
    client.cookies["django_language"] = "zh-hans"
    assert "来自附近的人" in client.get(reverse("accounts:new_friends")).content.decode()
