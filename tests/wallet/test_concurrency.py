"""Many threads at once: no overdraft, no double claim, exact sums. Runs on SQLite (IMMEDIATE transactions)
and, in `make test`'s second pass, on PostgreSQL (row locks)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connections

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.wallet import services
from apps.wallet.ledger import audit
from apps.wallet.models import Grab, PaymentProfile, Transaction

from .conftest import PIN, key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch):
    monkeypatch.setattr(services, "PAY_LIMIT", 10_000)


def run_all(fn, items, workers=32):
    """Call fn(item) in `workers` threads at once; return results or the DomainError each raised."""

    def call(item):
        try:
            return fn(item)
        except DomainError as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(call, items))


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
    results = run_all(
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
    results = run_all(
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
    results = run_all(
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
    results = run_all(lambda u: services.packet_grab(actor=u, pk=packet.pk), members, workers=50)
    got = [r for r in results if isinstance(r, Grab)]
    late = [r for r in results if isinstance(r, services.TooLate)]
    assert len(got) == 100 and len(late) == 400, {type(r) for r in results}
    assert len({g.user_id for g in got}) == 100
    assert sum(g.amount for g in got) == 200_00
    assert Grab.objects.filter(packet=packet).count() == 100
    packet.refresh_from_db()
    assert packet.remaining_amount == 0 and packet.status == "empty"
    # a second storm by the same people changes nothing
    again = run_all(lambda u: services.packet_grab(actor=u, pk=packet.pk), members[:100], workers=50)
    assert Grab.objects.filter(packet=packet).count() == 100
    assert {g.pk for g in again if isinstance(g, Grab)} <= {g.pk for g in got}
    assert audit() == []


def test_sweepers_in_parallel_refund_once(cast, fund):
    from datetime import timedelta

    from apps.core import clock

    liwei, wangfang = cast["liwei"], cast["wangfang"]
    fund(liwei, 100_00)
    for _ in range(5):
        services.transfer_create(actor=liwei, to=wangfang, amount="10", pin=PIN, idempotency_key=key())
    clock.advance(timedelta(days=2))
    results = run_all(lambda _: services.wallet_expire_due(), range(6), workers=6)
    assert sum(r["transfers"] for r in results if isinstance(r, dict)) == 5
    assert services.account_for(liwei).balance == 100_00
    assert audit() == []
