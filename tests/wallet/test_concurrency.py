"""Many threads at once: no overdraft, no double claim, exact sums. Runs on SQLite (IMMEDIATE transactions)
and, in `make test`'s second pass, on PostgreSQL (row locks).

SQLite lets one writer in at a time, so a missing row lock cannot show there: the races that prove each
lock (the `postgresql` fixture) run in the PostgreSQL pass only, and say so where they are skipped."""

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connections, transaction

from apps.accounts.models import User
from apps.wallet import services
from apps.wallet.ledger import audit
from apps.wallet.models import Grab, PaymentProfile, Transaction
from apps.wallet.services import guard, packets
from tests.concurrency import at_once

from .conftest import PIN, key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch):
    monkeypatch.setattr(guard, "PAY_LIMIT", 10_000)  # read there, at each request


def people(n, prefix="p"):
    users = User.objects.bulk_create(
        [
            User(username=f"{prefix}{i}", public_id=f"{prefix}{i}x", display_name=f"P{i}", password="!")
            for i in range(n)
        ]
    )
    users = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    hashed = make_password(PIN)
    PaymentProfile.objects.bulk_create([PaymentProfile(user=u, pin_hash=hashed) for u in users])
    return users


def test_concurrent_payments_never_overdraw(cast, fund):
    liwei, tom = cast["liwei"], cast["tom"]
    fund(liwei, 10_00)
    results = at_once(
        lambda i: services.payment_create(actor=liwei, payee=tom, amount="1", pin=PIN, idempotency_key=key()),
        range(40),
    )
    ok = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, services.InsufficientBalance)]
    assert len(ok) == 10 and len(refused) == 30
    assert services.account_for(liwei).balance == 0
    assert services.account_for(tom).balance == 10_00
    assert audit() == []


def test_one_key_retried_at_once_moves_money_once(cast, fund):
    liwei, wangfang = cast["liwei"], cast["wangfang"]
    fund(liwei, 100_00)
    k = key()
    results = at_once(
        lambda _: services.transfer_create(actor=liwei, to=wangfang, amount="7", pin=PIN, idempotency_key=k),
        range(20),
        workers=20,
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert {r.pk for r in results} == {results[0].pk}
    assert Transaction.objects.filter(initiator=liwei, idempotency_key=k).count() == 1
    assert services.account_for(liwei).balance == 93_00
    assert audit() == []


def test_many_payers_into_one_account_add_up(cast, pin_for):
    payers = people(50)
    for u in payers:
        services.topup(actor=u, amount="5", pin=PIN, idempotency_key=key())
    tom = cast["tom"]
    results = at_once(
        lambda u: services.payment_create(actor=u, payee=tom, amount="1.11", pin=PIN, idempotency_key=key()),
        payers * 3,
        workers=50,
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert services.account_for(tom).balance == 150 * 1_11
    assert audit() == []


def _storm_group(n):
    from apps.chat.models import Conversation, Membership
    from apps.core import clock

    members = people(n, prefix="storm")
    conv = Conversation.objects.create(
        kind=Conversation.Kind.GROUP, name="Storm", owner=members[0], created_at=clock.now()
    )
    Membership.objects.bulk_create(
        [Membership(conversation=conv, user=u, joined_at=clock.now()) for u in members]
    )
    return conv, members


def test_red_packet_storm_500_members(db):
    conv, members = _storm_group(500)
    sender = members[0]
    services.topup(actor=sender, amount="200", pin=PIN, idempotency_key=key())
    packet = services.packet_create(
        actor=sender,
        conversation_id=conv.pk,
        kind="lucky",
        amount="200",
        count=100,
        pin=PIN,
        idempotency_key=key(),
    )
    results = at_once(lambda u: services.packet_grab(actor=u, pk=packet.pk), members, workers=50)
    got = [r for r in results if isinstance(r, Grab)]
    late = [r for r in results if isinstance(r, services.TooLate)]
    assert len(got) == 100 and len(late) == 400, {type(r) for r in results}
    assert len({g.user_id for g in got}) == 100
    assert sum(g.amount for g in got) == 200_00
    assert Grab.objects.filter(packet=packet).count() == 100
    packet.refresh_from_db()
    assert packet.remaining_amount == 0 and packet.status == "empty"
    # a second storm by the same people changes nothing
    again = at_once(lambda u: services.packet_grab(actor=u, pk=packet.pk), members[:100], workers=50)
    assert Grab.objects.filter(packet=packet).count() == 100
    assert {g.pk for g in again if isinstance(g, Grab)} <= {g.pk for g in got}
    assert audit() == []


def test_only_those_who_get_a_share_open_a_write_transaction(monkeypatch):
    """40 grab at once for 5 shares: the 35 too late are answered from a read (on SQLite every write
    transaction holds the whole database), so only the 5 claims write. The in-process queue does it: a
    grabber reads the packet again when its turn comes. (SQLite's: on PostgreSQL a claim locks one share,
    and a "too late" found in a transaction costs that connection alone.)"""
    if connections["default"].vendor not in packets._QUEUED_VENDORS:
        pytest.skip("the grab queue is SQLite's (one writer); PostgreSQL's claims run side by side")
    conv, members = _storm_group(41)
    sender = members[0]
    services.topup(actor=sender, amount="5", pin=PIN, idempotency_key=key())
    packet = services.packet_create(
        actor=sender,
        conversation_id=conv.pk,
        kind="lucky",
        amount="5",
        count=5,
        pin=PIN,
        idempotency_key=key(),
    )
    writes = []
    atomic = transaction.atomic

    def counting_atomic(*args, **kwargs):
        if not connections["default"].in_atomic_block:  # an outermost block: a write transaction
            writes.append(1)
        return atomic(*args, **kwargs)

    monkeypatch.setattr(transaction, "atomic", counting_atomic)
    results = at_once(lambda u: services.packet_grab(actor=u, pk=packet.pk), members[1:], workers=40)
    assert sum(isinstance(r, Grab) for r in results) == 5
    assert sum(isinstance(r, services.TooLate) for r in results) == 35
    assert len(writes) == 5 + 1  # the five claims, then the chat card turning to "all taken"


def test_sweepers_in_parallel_refund_once(cast, fund):
    from datetime import timedelta

    from apps.core import clock

    liwei, wangfang = cast["liwei"], cast["wangfang"]
    fund(liwei, 100_00)
    for _ in range(5):
        services.transfer_create(actor=liwei, to=wangfang, amount="10", pin=PIN, idempotency_key=key())
    clock.advance(timedelta(days=2))
    results = at_once(lambda _: services.wallet_expire_due(), range(6), workers=6)
    assert sum(r["transfers"] for r in results if isinstance(r, dict)) == 5
    assert services.account_for(liwei).balance == 100_00
    assert audit() == []


# --- Races that prove each lock (PostgreSQL: real row locks, real concurrent transactions) ------------


def test_as_many_grabbers_as_shares_at_once_each_get_one(postgresql):
    """The claim's lock on its share (FOR UPDATE SKIP LOCKED) and its `claimed_by_id IS NULL`: without the
    lock, grabbers who raced for one share were told "too late" while shares were left (or, without the
    condition as well, two took one share)."""
    conv, members = _storm_group(31)
    sender, grabbers = members[0], members[1:]
    services.topup(actor=sender, amount="30", pin=PIN, idempotency_key=key())
    packet = services.packet_create(
        actor=sender,
        conversation_id=conv.pk,
        kind="lucky",
        amount="30",
        count=30,
        pin=PIN,
        idempotency_key=key(),
    )
    results = at_once(lambda u: services.packet_grab(actor=u, pk=packet.pk), grabbers, workers=30)
    assert [r for r in results if not isinstance(r, Grab)] == []
    assert sorted(g.index for g in results) == list(range(30))
    assert sum(g.amount for g in results) == 30_00
    packet.refresh_from_db()
    assert packet.remaining_count == 0 and packet.remaining_amount == 0 and packet.status == "empty"
    assert audit() == []


def test_racing_payments_from_one_balance_never_overdraw(postgresql, cast, fund):
    """The conditional debit: of 40 payments of ¥1 racing on ¥10, exactly 10 go through."""
    liwei, tom = cast["liwei"], cast["tom"]
    fund(liwei, 10_00)
    results = at_once(
        lambda i: services.payment_create(actor=liwei, payee=tom, amount="1", pin=PIN, idempotency_key=key()),
        range(40),
        workers=30,
    )
    assert sum(1 for r in results if isinstance(r, services.InsufficientBalance)) == 30
    assert services.account_for(liwei).balance == 0 and services.account_for(tom).balance == 10_00
    assert audit() == []


def test_racing_withdrawals_use_the_free_quota_once(postgresql, cast, fund):
    """The lock on the payment profile: ten ¥200 withdrawals at once share one ¥1,000 free quota, so five
    of them pay the 0.1% fee (¥0.20 each)."""
    liwei = cast["liwei"]
    fund(liwei, 3_000_00)
    results = at_once(
        lambda _: services.withdraw(actor=liwei, amount="200", pin=PIN, idempotency_key=key()),
        range(10),
        workers=10,
    )
    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(t.fee for t in results) == 5 * 20
    assert services.account_for(liwei).balance == 3_000_00 - 2_000_00 - 5 * 20
    assert audit() == []


def test_payments_crossing_both_ways_at_once_all_go_through(postgresql, cast, fund):
    """Balances are updated in one order for everyone: A→B and B→A at once must not deadlock."""
    liwei, tom = cast["liwei"], cast["tom"]
    fund(liwei, 100_00)
    fund(tom, 100_00)
    pairs = [(liwei, tom), (tom, liwei)] * 15
    results = at_once(
        lambda pair: services.payment_create(
            actor=pair[0], payee=pair[1], amount="1", pin=PIN, idempotency_key=key()
        ),
        pairs,
        workers=30,
    )
    assert [r for r in results if isinstance(r, Exception)] == []
    assert services.account_for(liwei).balance == 100_00 and services.account_for(tom).balance == 100_00
    assert audit() == []


def test_one_key_racing_with_two_amounts_moves_money_once(cast, fund):
    """The same key sent at once with two different amounts: one is taken, the other refused."""
    liwei, wangfang = cast["liwei"], cast["wangfang"]
    fund(liwei, 100_00)
    k = key()
    results = at_once(
        lambda i: services.transfer_create(
            actor=liwei, to=wangfang, amount="7" if i % 2 else "9", pin=PIN, idempotency_key=k
        ),
        range(20),
        workers=20,
    )
    taken = {r.amount for r in results if not isinstance(r, Exception)}
    refused = [r for r in results if isinstance(r, services.KeyReused)]
    assert len(taken) == 1 and len(refused) == 10, results
    assert Transaction.objects.filter(initiator=liwei, idempotency_key=k).count() == 1
    assert services.account_for(liwei).balance == 100_00 - taken.pop()
    assert audit() == []
