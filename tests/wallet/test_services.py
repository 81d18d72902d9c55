from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.core import clock
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.wallet import services
from apps.wallet.ledger import audit
from apps.wallet.models import Entry, Grab, PaymentProfile, RedPacket, Transaction, Transfer
from apps.wallet.money import BadAmount

from .conftest import PIN, key

pytestmark = pytest.mark.django_db


def bal(user):
    return services.account_for(user).balance


# --- PIN ---------------------------------------------------------------------------------------------


def test_pin_is_set_once_hashed_and_checked(liwei):
    with pytest.raises(services.PinError, match="Set a payment PIN"):
        services.pin_check(actor=liwei, pin="135790")
    with pytest.raises(services.PinError, match="6 digits"):
        services.pin_set(actor=liwei, pin="12345", confirm="12345")
    with pytest.raises(services.PinError, match="match"):
        services.pin_set(actor=liwei, pin="135790", confirm="135791")
    with pytest.raises(services.PinError, match="harder"):
        services.pin_set(actor=liwei, pin="111111", confirm="111111")
    services.pin_set(actor=liwei, pin="135790", confirm="135790")
    profile = PaymentProfile.objects.get(user=liwei)
    assert profile.pin_hash and "135790" not in profile.pin_hash
    services.pin_check(actor=liwei, pin="135790")
    with pytest.raises(services.PinError, match="set already"):
        services.pin_set(actor=liwei, pin="246802", confirm="246802")


def test_five_wrong_pins_lock_payments_for_a_while(liwei, fund):
    fund(liwei, 100_00)
    for left in (4, 3, 2, 1):
        with pytest.raises(services.PinError, match=f"{left} tries left"):
            services.withdraw(actor=liwei, amount="1", pin="000000", idempotency_key=key())
    with pytest.raises(services.PinLocked, match="locked for 3 hours"):
        services.withdraw(actor=liwei, amount="1", pin="000000", idempotency_key=key())
    with pytest.raises(services.PinLocked, match="more minutes"):  # even the right PIN now
        services.withdraw(actor=liwei, amount="1", pin=PIN, idempotency_key=key())
    assert bal(liwei) == 100_00
    clock.advance(timedelta(hours=3, minutes=1))
    services.withdraw(actor=liwei, amount="1", pin=PIN, idempotency_key=key())
    assert bal(liwei) == 99_00


def test_changing_the_pin_needs_the_login_password_and_lifts_the_lock(liwei, pin_for):
    from apps.accounts.seed import DEMO_PASSWORD

    pin_for(liwei)
    PaymentProfile.objects.filter(user=liwei).update(locked_until=clock.now() + timedelta(hours=3))
    with pytest.raises(services.PinError, match="login password"):
        services.pin_change(actor=liwei, password="wrong", pin="246802", confirm="246802")
    services.pin_change(actor=liwei, password=DEMO_PASSWORD, pin="246802", confirm="246802")
    services.pin_check(actor=liwei, pin="246802")
    with pytest.raises(services.PinError):
        services.pin_check(actor=liwei, pin=PIN)


# --- Top-up, withdrawal, idempotency -------------------------------------------------------------------


def test_topup_and_a_retry_with_the_same_key_moves_money_once(liwei, pin_for):
    pin_for(liwei)
    k = key()
    first = services.topup(actor=liwei, amount="50.25", pin=PIN, idempotency_key=k)
    again = services.topup(actor=liwei, amount="50.25", pin=PIN, idempotency_key=k)
    assert first.pk == again.pk
    assert bal(liwei) == 50_25
    assert Transaction.objects.filter(kind="topup").count() == 1


def test_requests_without_a_proper_key_are_refused(liwei, pin_for):
    pin_for(liwei)
    for bad in ("", "short", "x" * 65, "has space 123"):
        with pytest.raises(DomainError, match="expired"):
            services.topup(actor=liwei, amount="1", pin=PIN, idempotency_key=bad)
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("before", "amount", "fee"),
    [
        (0, 1_000_00, 0),  # the lifetime ¥1,000 is free
        (0, 1_000_01, 10),  # ¥0.01 over: the ¥0.10 minimum
        (1_000_00, 100_00, 10),  # ¥100 → ¥0.10
        (1_000_00, 500_00, 50),  # ¥500 → ¥0.50
        (900_00, 300_00, 20),  # ¥200 charged → ¥0.20
        (1_000_00, 123_45, 13),  # 0.1% of ¥123.45 = 12.345 fen, rounded up
    ],
)
def test_withdrawal_fee_rule(before, amount, fee):
    assert services.withdrawal_fee(before, amount) == fee


def test_withdrawal_charges_the_fee_once_the_free_quota_is_used(liwei, fund):
    fund(liwei, 2_000_00)
    services.withdraw(actor=liwei, amount="900", pin=PIN, idempotency_key=key())
    assert bal(liwei) == 1_100_00
    txn = services.withdraw(actor=liwei, amount="300", pin=PIN, idempotency_key=key())
    assert txn.fee == 20
    assert bal(liwei) == 1_100_00 - 300_00 - 20
    with pytest.raises(services.InsufficientBalance):
        services.withdraw(actor=liwei, amount="800", pin=PIN, idempotency_key=key())  # + fee is too much
    assert audit() == []


@pytest.mark.parametrize("amount", ["0", "-1", "1.001", "abc", "", "50000.01", "1e3"])
def test_bad_amounts_write_no_entry(liwei, wangfang, fund, amount):
    fund(liwei, 100_00)
    before = Entry.objects.count()
    with pytest.raises(BadAmount):
        services.transfer_create(actor=liwei, to=wangfang, amount=amount, pin=PIN, idempotency_key=key())
    with pytest.raises(BadAmount):
        services.withdraw(actor=liwei, amount=amount, pin=PIN, idempotency_key=key())
    assert Entry.objects.count() == before


def test_payment_attempts_are_rate_limited(liwei, fund, window_start):
    fund(liwei, 100_00)
    with pytest.raises(RateLimited):
        for _ in range(services.PAY_LIMIT + 1):
            services.withdraw(actor=liwei, amount="0.01", pin=PIN, idempotency_key=key())


# --- Transfers ---------------------------------------------------------------------------------------


def test_transfer_holds_money_and_posts_a_card_the_recipient_accepts(liwei, wangfang, fund, published_events):
    from apps.chat.models import Message

    fund(liwei, 100_00)
    with published_events() as sent:
        t = services.transfer_create(
            actor=liwei, to=wangfang, amount="30", note="Dinner", pin=PIN, idempotency_key=key()
        )
    assert bal(liwei) == 70_00 and bal(wangfang) == 0
    card = Message.objects.get(pk=t.message_id)
    assert card.kind == "wallet_transfer" and card.payload["state"] == "pending"
    assert any(e["type"] == "chat.message" for e in sent)
    with pytest.raises(DomainError, match="Only the recipient"):
        services.transfer_accept(actor=liwei, pk=t.pk)
    with published_events() as sent:
        services.transfer_accept(actor=wangfang, pk=t.pk)
    assert bal(wangfang) == 30_00
    card.refresh_from_db()
    assert card.payload["state"] == "accepted"
    updated = [e for e in sent if e["type"] == "chat.message_updated"]
    assert updated and set(updated[0]["user_ids"]) == {liwei.pk, wangfang.pk}
    services.transfer_accept(actor=wangfang, pk=t.pk)  # again: nothing more
    with pytest.raises(DomainError, match="accepted"):
        services.transfer_return(actor=wangfang, pk=t.pk)
    assert bal(wangfang) == 30_00
    assert audit() == []


def test_a_returned_transfer_goes_back_to_the_sender(liwei, wangfang, fund):
    fund(liwei, 100_00)
    t = services.transfer_create(actor=liwei, to=wangfang, amount="30", pin=PIN, idempotency_key=key())
    services.transfer_return(actor=wangfang, pk=t.pk)
    assert bal(liwei) == 100_00 and bal(wangfang) == 0
    t.refresh_from_db()
    assert t.status == Transfer.Status.RETURNED


def test_transfers_only_to_friends_never_to_yourself_or_strangers(liwei, tom, zhouxin, fund):
    fund(liwei, 100_00)
    with pytest.raises(DomainError, match="yourself"):
        services.transfer_create(actor=liwei, to=liwei, amount="1", pin=PIN, idempotency_key=key())
    with pytest.raises(NotFound, match="friend"):
        services.transfer_create(actor=liwei, to=zhouxin, amount="1", pin=PIN, idempotency_key=key())
    assert bal(liwei) == 100_00


def test_a_transfer_nobody_takes_expires_after_24_hours_by_the_sweeper(liwei, wangfang, fund):
    fund(liwei, 100_00)
    t = services.transfer_create(actor=liwei, to=wangfang, amount="30", pin=PIN, idempotency_key=key())
    clock.advance(timedelta(hours=23, minutes=59))
    assert services.wallet_expire_due() == {"transfers": 0, "packets": 0}
    clock.advance(timedelta(minutes=2))
    assert services.wallet_expire_due() == {"transfers": 1, "packets": 0}
    assert services.wallet_expire_due() == {"transfers": 0, "packets": 0}  # idempotent
    t.refresh_from_db()
    assert t.status == Transfer.Status.EXPIRED and bal(liwei) == 100_00
    with pytest.raises(DomainError, match="expired"):
        services.transfer_accept(actor=wangfang, pk=t.pk)
    assert audit() == []


def test_an_expired_transfer_is_refunded_when_the_recipient_answers_it_before_the_sweep(
    liwei, wangfang, fund
):
    fund(liwei, 100_00)
    t = services.transfer_create(actor=liwei, to=wangfang, amount="30", pin=PIN, idempotency_key=key())
    clock.advance(timedelta(hours=25))
    with pytest.raises(DomainError):
        services.transfer_accept(actor=wangfang, pk=t.pk)
    assert bal(liwei) == 100_00 and bal(wangfang) == 0


def test_the_expire_command(liwei, wangfang, fund):
    from io import StringIO

    from django.core.management import call_command

    fund(liwei, 100_00)
    services.transfer_create(actor=liwei, to=wangfang, amount="30", pin=PIN, idempotency_key=key())
    clock.advance(timedelta(days=2))
    out = StringIO()
    call_command("wallet_expire", stdout=out)
    assert "expired 1 transfer" in out.getvalue()


# --- Red packets -------------------------------------------------------------------------------------


def _packet(sender, conv, **kw):
    args = {"kind": "lucky", "amount": "10", "count": 5, "note": "Hi", "pin": PIN, "idempotency_key": key()}
    args.update(kw)
    return services.packet_create(actor=sender, conversation_id=conv.pk, **args)


def test_lucky_packet_grabs_add_up_to_the_total_and_mark_the_best(cast, workshop, fund):
    liwei = cast["liwei"]
    fund(liwei, 100_00)
    p = _packet(liwei, workshop, amount="10", count=5, seed=7)
    assert bal(liwei) == 90_00
    grabbers = [cast[n] for n in ("wangfang", "emma", "tom", "james", "sunli")]
    grabs = [services.packet_grab(actor=u, pk=p.pk) for u in grabbers]
    assert sum(g.amount for g in grabs) == 10_00
    with pytest.raises(services.TooLate, match="Too late"):
        services.packet_grab(actor=cast["sophie"], pk=p.pk)
    again = services.packet_grab(actor=cast["emma"], pk=p.pk)
    assert again.pk == grabs[1].pk  # one grab per person, the same answer again
    p.refresh_from_db()
    assert p.status == RedPacket.Status.EMPTY and p.remaining_amount == 0
    from apps.wallet.selectors import packet_view

    view = packet_view(p, cast["emma"])
    assert view.best.amount == max(g.amount for g in grabs)
    assert view.taken_in is not None
    from apps.chat.models import Message

    assert Message.objects.get(pk=p.message_id).payload["state"] == "empty"
    assert audit() == []


def test_normal_packet_shares_are_equal_and_amount_is_per_share(cast, workshop, fund):
    liwei = cast["liwei"]
    fund(liwei, 100_00)
    p = _packet(liwei, workshop, kind="normal", amount="2.5", count=4)
    assert p.total == 10_00
    amounts = {services.packet_grab(actor=cast[n], pk=p.pk).amount for n in ("emma", "tom", "james", "sunli")}
    assert amounts == {2_50}


def test_packet_limits(cast, workshop, fund):
    liwei = cast["liwei"]
    fund(liwei, 2_000_00)
    with clock.travel(datetime(2026, 3, 1, 12, tzinfo=ZoneInfo("Asia/Shanghai")) - clock.now()):
        with pytest.raises(BadAmount, match=r"200\.00"):
            _packet(liwei, workshop, amount="200.01")
        with pytest.raises(BadAmount, match=r"200\.00"):
            _packet(liwei, workshop, kind="normal", amount="50", count=5)
        with pytest.raises(DomainError, match="1 to 100"):
            _packet(liwei, workshop, amount="100", count=101)
        with pytest.raises(DomainError, match="1 to 100"):
            _packet(liwei, workshop, amount="100", count=0)
        with pytest.raises(BadAmount, match=r"0\.01"):
            _packet(liwei, workshop, amount="0.05", count=6)
        _packet(liwei, workshop, amount="200")
    for day in ((2, 14), (5, 20)):
        when = datetime(2027, *day, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
        with clock.travel(when - clock.now()):
            assert services.packet_cap() == 520_00
            _packet(liwei, workshop, amount="520")
    # 00:30 on 15 Feb in Shanghai is still 14 Feb in UTC: the rule reads China's date.
    with clock.travel(datetime(2027, 2, 15, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai")) - clock.now()):
        assert services.packet_cap() == 200_00
    assert bal(liwei) == 2_000_00 - 200_00 - 2 * 520_00
    assert audit() == []


def test_exclusive_packet_only_its_person_can_open(cast, workshop, fund):
    liwei, emma = cast["liwei"], cast["emma"]
    fund(liwei, 100_00)
    with pytest.raises(DomainError, match="another member"):
        _packet(liwei, workshop, kind="exclusive", amount="5", exclusive_to_id=liwei.pk)
    with pytest.raises(DomainError, match="for"):
        _packet(liwei, workshop, kind="exclusive", amount="5", exclusive_to_id=None)
    p = _packet(liwei, workshop, kind="exclusive", amount="5", exclusive_to_id=emma.pk)
    with pytest.raises(DomainError, match="someone else"):
        services.packet_grab(actor=cast["tom"], pk=p.pk)
    assert services.packet_grab(actor=emma, pk=p.pk).amount == 5_00


def test_strangers_and_forged_ids_get_not_found(cast, workshop, fund, db):
    from apps.accounts.services import user_create

    liwei = cast["liwei"]
    fund(liwei, 100_00)
    p = _packet(liwei, workshop)
    outsider = user_create(username="outsider", password="pass-word-123", display_name="Out")
    for pk in (p.pk, p.pk + 1000, "abc", None):
        with pytest.raises(NotFound):
            services.packet_grab(actor=outsider, pk=pk)
    with pytest.raises(NotFound):
        _packet(outsider, workshop)


def test_unclaimed_packet_money_returns_after_24_hours(cast, workshop, fund):
    liwei = cast["liwei"]
    fund(liwei, 100_00)
    p = _packet(liwei, workshop, amount="10", count=5)
    got = services.packet_grab(actor=cast["emma"], pk=p.pk).amount
    clock.advance(timedelta(hours=24, seconds=1))
    assert services.wallet_expire_due()["packets"] == 1
    p.refresh_from_db()
    assert p.status == RedPacket.Status.EXPIRED and p.refunded == 10_00 - got
    assert bal(liwei) == 90_00 + 10_00 - got
    with pytest.raises(services.TooLate, match="expired"):
        services.packet_grab(actor=cast["tom"], pk=p.pk)
    assert services.wallet_expire_due()["packets"] == 0
    assert audit() == []


def test_one_to_one_packet_has_one_share_and_the_sender_cannot_open_it(liwei, wangfang, fund):
    from apps.chat import services as chat

    fund(liwei, 100_00)
    conv = chat.conversation_direct_get_or_create(a=liwei, b=wangfang)
    with pytest.raises(DomainError, match="one share"):
        _packet(liwei, conv, count=2)
    p = _packet(liwei, conv, kind="normal", amount="8.88", count=1)
    with pytest.raises(DomainError, match="waiting for your friend"):
        services.packet_grab(actor=liwei, pk=p.pk)
    assert services.packet_grab(actor=wangfang, pk=p.pk).amount == 8_88


def test_not_enough_balance_for_a_packet_writes_nothing(cast, workshop, fund):
    liwei = cast["liwei"]
    fund(liwei, 5_00)
    with pytest.raises(services.InsufficientBalance):
        _packet(liwei, workshop, amount="10")
    assert not RedPacket.objects.exists() and Grab.objects.count() == 0
    assert bal(liwei) == 5_00


# --- QR payments ---------------------------------------------------------------------------------------


def test_qr_payment_to_a_person_is_live_on_both_sides(liwei, tom, fund, published_events):
    fund(liwei, 100_00)
    with published_events() as sent:
        payment = services.payment_create(
            actor=liwei, payee=tom, amount="12.34", note="Coffee", pin=PIN, idempotency_key=key()
        )
    assert bal(tom) == 12_34 and payment.amount == 12_34
    received = next(e for e in sent if e["type"] == "wallet.received")
    assert received["user_ids"] == [tom.pk] and received["data"]["amount"] == "¥12.34"
    assert any(e["type"] == "wallet.paid" and e["user_ids"] == [liwei.pk] for e in sent)
    with pytest.raises(DomainError, match="yourself"):
        services.payment_create(actor=liwei, payee=liwei, amount="1", pin=PIN, idempotency_key=key())


def test_paying_a_merchant_credits_its_account(liwei, sunli, fund):
    from apps.wallet.models import Account, Merchant

    account = Account.objects.create(kind=Account.Kind.MERCHANT, owner=sunli)
    shop = Merchant.objects.create(slug="tea", name="Tea", owner=sunli, account=account)
    fund(liwei, 100_00)
    services.payment_create(
        actor=liwei, payee=None, merchant=shop, amount="18", pin=PIN, idempotency_key=key()
    )
    account.refresh_from_db()
    assert account.balance == 18_00 and bal(sunli) == 0
    assert audit() == []


def test_a_key_reused_for_another_kind_of_request_is_refused(liwei, wangfang, fund):
    fund(liwei, 100_00)
    k = key()
    services.topup(actor=liwei, amount="1", pin=PIN, idempotency_key=k)
    with pytest.raises(services.KeyReused, match="different request"):
        services.transfer_create(actor=liwei, to=wangfang, amount="1", pin=PIN, idempotency_key=k)
    assert bal(liwei) == 101_00


def test_packet_details_follow_the_grabs_live(cast, workshop, fund, published_events):
    liwei = cast["liwei"]
    fund(liwei, 100_00)
    p = _packet(liwei, workshop, amount="3", count=3, seed=1)
    grabbers = [cast[n] for n in ("wangfang", "emma", "tom")]
    with published_events() as sent:
        for person in grabbers:
            services.packet_grab(actor=person, pk=p.pk)
    updates = [e for e in sent if e["type"] == "wallet.packet"]
    assert [e["data"]["taken"] for e in updates] == [1, 2, 3]
    assert [e["user_ids"] for e in updates[:2]] == [[liwei.pk], [liwei.pk]]  # the sender sees every grab
    assert updates[2]["user_ids"] == sorted([liwei.pk, *(u.pk for u in grabbers)])  # all see the final list


# --- The arrow between the apps ----------------------------------------------------------------------


def _imports(path):
    """(module imported, whether at module level) for every import in the file at `path`."""
    import ast

    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, id(node) in top
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in top


def test_the_wallet_uses_chat_at_module_level_and_chat_never_imports_the_wallet():
    from pathlib import Path

    apps = Path(__file__).resolve().parents[2] / "apps"
    chat_to_wallet = [
        str(f)
        for f in (apps / "chat").rglob("*.py")
        for m, _top in _imports(f)
        if m.startswith("apps.wallet")
    ]
    assert chat_to_wallet == []
    hidden = [
        str(f)
        for f in (apps / "wallet").rglob("*.py")
        if f.name != "apps.py"  # AppConfig.ready() wires the extension points, as Django wants
        for m, top in _imports(f)
        if m.startswith("apps.chat") and not top
    ]
    assert hidden == []
