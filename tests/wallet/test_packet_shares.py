"""Red packets are split into shares when they are sent, and a grab claims the first free share (as WeChat
does): one share per person, the counts on the packet follow the shares, expiry refunds the free shares.

The races at the end run on PostgreSQL only (SQLite has one writer: see test_concurrency)."""

import importlib
import threading
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, transaction

from apps.core import clock
from apps.wallet import services, split
from apps.wallet.ledger import audit
from apps.wallet.models import Grab, PacketShare
from apps.wallet.services import packets
from tests.concurrency import at_once

from .conftest import PIN, key
from .test_concurrency import _no_rate_limit, _storm_group  # noqa: F401


def send(sender, conv, *, count, amount, kind="lucky", seed=None, **extra):
    return services.packet_create(
        actor=sender,
        conversation_id=conv.pk,
        kind=kind,
        amount=amount,
        count=count,
        pin=PIN,
        idempotency_key=key(),
        seed=seed,
        **extra,
    )


def shares(p):
    return list(PacketShare.objects.filter(packet=p).order_by("position"))


@pytest.mark.django_db
def test_a_packet_is_split_into_its_shares_when_sent_and_grabs_take_them_in_order(cast, workshop, fund):
    liwei = cast["liwei"]
    fund(liwei, 100_00)
    lucky = send(liwei, workshop, count=4, amount="10", seed=7)
    assert [s.amount for s in shares(lucky)] == split.lucky_split(10_00, 4, 7)
    normal = send(liwei, workshop, count=3, amount="2", kind="normal")
    assert [s.amount for s in shares(normal)] == [2_00] * 3
    exclusive = send(liwei, workshop, count=1, amount="5", kind="exclusive", exclusive_to_id=cast["tom"].pk)
    assert [s.amount for s in shares(exclusive)] == [5_00]
    grabs = [services.packet_grab(actor=cast[name], pk=lucky.pk) for name in ("tom", "emma")]
    assert [(g.index, g.amount) for g in grabs] == [(s.position, s.amount) for s in shares(lucky)[:2]]
    assert [s.claimed_by_id for s in shares(lucky)] == [cast["tom"].pk, cast["emma"].pk, None, None]
    lucky.refresh_from_db()
    assert lucky.remaining_count == 2 and lucky.remaining_amount == sum(s.amount for s in shares(lucky)[2:])
    assert audit() == []


@pytest.mark.django_db
def test_the_database_lets_a_person_hold_one_share_of_a_packet(cast, workshop, fund):
    """The constraint behind "one share per person", whatever the code above it does."""
    liwei, tom = cast["liwei"], cast["tom"]
    fund(liwei, 10_00)
    p = send(liwei, workshop, count=3, amount="3")
    services.packet_grab(actor=tom, pk=p.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        PacketShare.objects.filter(packet=p, position=2).update(claimed_by=tom, claimed_at=clock.now())


@pytest.mark.django_db
def test_expiry_refunds_exactly_the_free_shares(cast, workshop, fund):
    liwei = cast["liwei"]
    fund(liwei, 10_00)
    p = send(liwei, workshop, count=5, amount="10", seed=3)
    for name in ("tom", "emma"):
        services.packet_grab(actor=cast[name], pk=p.pk)
    free = sum(s.amount for s in shares(p) if s.claimed_by_id is None)
    clock.advance(timedelta(hours=25))
    assert services.wallet_expire_due()["packets"] == 1
    p.refresh_from_db()
    assert p.status == "expired" and p.refunded == free
    assert services.account_for(liwei).balance == free
    assert audit() == []


@pytest.mark.django_db
def test_a_claim_that_finds_the_packet_expired_moves_nothing(cast, workshop, fund, monkeypatch):
    """The packet's counts change only while it is open: a packet that expires between the read and the
    claim answers "expired", and its share stays free for the refund."""
    liwei, tom = cast["liwei"], cast["tom"]
    fund(liwei, 10_00)
    p = send(liwei, workshop, count=2, amount="4")
    grab_accounts = packets._grab_accounts

    def expiring(actor):  # in the claim's transaction, after the read
        clock.advance(timedelta(hours=25))
        return grab_accounts(actor)

    monkeypatch.setattr(packets, "_grab_accounts", expiring)
    with pytest.raises(services.TooLate) as refused:
        services.packet_grab(actor=tom, pk=p.pk)
    assert refused.value.code == "expired"
    assert not Grab.objects.filter(packet=p).exists()
    assert all(s.claimed_by_id is None for s in shares(p))
    p.refresh_from_db()
    assert p.remaining_count == 2 and p.remaining_amount == 4_00
    assert audit() == []


@pytest.mark.django_db
def test_packets_open_at_deploy_get_the_shares_their_next_grabs_would_have_taken(cast, workshop, fund):
    """The data migration: a packet sent and partly grabbed before shares existed keeps its split."""
    liwei, tom, emma = cast["liwei"], cast["tom"], cast["emma"]
    fund(liwei, 10_00)
    p = send(liwei, workshop, count=5, amount="10", seed=11)
    services.packet_grab(actor=tom, pk=p.pk)
    services.packet_grab(actor=emma, pk=p.pk)
    expected = split.lucky_split(10_00, 5, 11)
    PacketShare.objects.filter(packet=p).delete()  # as the old code left it: counts and grabs only
    migration = importlib.import_module("apps.wallet.migrations.0004_shares_for_open_packets")
    migration.shares_for_open_packets(django_apps, None)
    assert [s.amount for s in shares(p)] == expected
    assert [s.claimed_by_id for s in shares(p)] == [tom.pk, emma.pk, None, None, None]
    assert services.packet_grab(actor=cast["sophie"], pk=p.pk).amount == expected[2]
    assert audit() == []


# --- Races (PostgreSQL) ------------------------------------------------------------------------------------


def race(test):
    return pytest.mark.django_db(transaction=True)(pytest.mark.usefixtures("postgresql")(test))


@race
def test_forty_grabbers_for_thirty_shares():
    conv, members = _storm_group(41)
    sender, grabbers = members[0], members[1:]
    services.topup(actor=sender, amount="30", pin=PIN, idempotency_key=key())
    p = send(sender, conv, count=30, amount="30")
    results = at_once(lambda u: services.packet_grab(actor=u, pk=p.pk), grabbers, workers=40)
    got = [r for r in results if isinstance(r, Grab)]
    assert len(got) == 30 and sum(isinstance(r, services.TooLate) for r in results) == 10, results
    assert len({g.user_id for g in got}) == 30 and sum(g.amount for g in got) == 30_00
    claimed = [s for s in shares(p) if s.claimed_by_id]
    assert len(claimed) == 30 and {s.claimed_by_id for s in claimed} == {g.user_id for g in got}
    p.refresh_from_db()
    assert (p.remaining_count, p.remaining_amount, p.status) == (0, 0, "empty")
    assert audit() == []


@race
def test_two_claims_of_one_packet_are_in_flight_at_once(monkeypatch):
    """SKIP LOCKED: each claim holds its own share, not the packet, while its transaction runs. Both claims
    wait for each other inside their transactions; had the second to wait for the first's lock, neither would
    get there (the barrier breaks)."""
    conv, members = _storm_group(3)
    sender, grabbers = members[0], members[1:]
    services.topup(actor=sender, amount="5", pin=PIN, idempotency_key=key())
    p = send(sender, conv, count=5, amount="5")
    both_inside = threading.Barrier(2, timeout=10)
    post_opened = packets._post_opened

    def meet(*args):
        both_inside.wait()
        post_opened(*args)

    monkeypatch.setattr(packets, "_post_opened", meet)
    results = at_once(lambda u: services.packet_grab(actor=u, pk=p.pk), grabbers, workers=2)
    assert sorted(g.index for g in results) == [0, 1]
    assert audit() == []


@race
def test_one_person_grabbing_from_many_tabs_at_once_gets_one_share():
    conv, members = _storm_group(2)
    sender, grabber = members
    services.topup(actor=sender, amount="10", pin=PIN, idempotency_key=key())
    p = send(sender, conv, count=10, amount="10")
    results = at_once(lambda _: services.packet_grab(actor=grabber, pk=p.pk), range(8), workers=8)
    assert {type(r) for r in results} == {Grab} and len({r.pk for r in results}) == 1
    assert [s.claimed_by_id for s in shares(p) if s.claimed_by_id] == [grabber.pk]
    p.refresh_from_db()
    assert p.remaining_count == 9
    assert audit() == []


@race
def test_a_sweep_during_a_claim_refunds_every_free_share_and_the_claim_is_too_late(monkeypatch):
    conv, members = _storm_group(2)
    sender, grabber = members
    services.topup(actor=sender, amount="6", pin=PIN, idempotency_key=key())
    p = send(sender, conv, count=3, amount="6")
    inside, swept = threading.Event(), threading.Event()
    post_opened = packets._post_opened

    def pause(*args):
        inside.set()
        swept.wait(10)
        post_opened(*args)

    monkeypatch.setattr(packets, "_post_opened", pause)

    def sweep():
        inside.wait(10)
        clock.advance(timedelta(hours=25))
        try:
            return services.wallet_expire_due()
        finally:
            swept.set()

    results = at_once(
        lambda job: sweep() if job == "sweep" else services.packet_grab(actor=grabber, pk=p.pk),
        ["grab", "sweep"],
        workers=2,
    )
    assert isinstance(results[0], services.TooLate) and results[1]["packets"] == 1
    p.refresh_from_db()
    assert p.status == "expired" and p.refunded == 6_00 and not Grab.objects.filter(packet=p).exists()
    assert services.account_for(sender).balance == 6_00
    assert audit() == []
