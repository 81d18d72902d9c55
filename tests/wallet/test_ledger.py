import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.wallet.ledger import DuplicateRequest, InsufficientBalance, audit, ledger_post, system_account
from apps.wallet.models import Account, Entry, Transaction

pytestmark = pytest.mark.django_db


def _accounts(n=3):
    return [Account.objects.create(kind=Account.Kind.PERSON) for _ in range(n)]


def test_a_post_moves_money_and_records_balanced_entries():
    bank = system_account(Account.Kind.BANK)
    a, b, _c = _accounts()
    ledger_post(kind="topup", lines=[(bank, -500), (a, 500)], idempotency_key="k1")
    txn = ledger_post(kind="transfer", lines=[(a, -200), (b, 200)], idempotency_key="k2")
    a.refresh_from_db(), b.refresh_from_db(), bank.refresh_from_db()
    assert (a.balance, b.balance, bank.balance) == (300, 200, -500)
    assert sorted(txn.entries.values_list("amount", "balance_after")) == [(-200, 300), (200, 200)]
    assert audit() == []


def test_an_overdraft_raises_and_writes_nothing():
    bank = system_account(Account.Kind.BANK)
    a, b, _c = _accounts()
    ledger_post(kind="topup", lines=[(bank, -100), (a, 100)], idempotency_key="k1")
    with pytest.raises(InsufficientBalance):
        ledger_post(kind="transfer", lines=[(a, -101), (b, 101)], idempotency_key="k2")
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.balance, b.balance) == (100, 0)
    assert not Transaction.objects.filter(idempotency_key="k2").exists()
    assert Entry.objects.count() == 2


def test_unbalanced_or_empty_posts_are_refused():
    a, b, _c = _accounts()
    with pytest.raises(ValueError):
        ledger_post(kind="x", lines=[(a, -1), (b, 2)], idempotency_key="k")
    with pytest.raises(ValueError):
        ledger_post(kind="x", lines=[(a, 0), (b, 0)], idempotency_key="k")
    with pytest.raises(ValueError):
        ledger_post(kind="x", lines=[(a, -1), (b, 1)], idempotency_key="")


def test_a_reused_key_is_a_duplicate_and_moves_nothing(liwei):
    bank = system_account(Account.Kind.BANK)
    a, _b, _c = _accounts()
    first = ledger_post(kind="topup", lines=[(bank, -100), (a, 100)], idempotency_key="same", initiator=liwei)
    with pytest.raises(DuplicateRequest) as info:
        ledger_post(kind="topup", lines=[(bank, -100), (a, 100)], idempotency_key="same", initiator=liwei)
    assert info.value.existing == first
    a.refresh_from_db()
    assert a.balance == 100


def test_the_database_refuses_a_negative_person_balance():
    from django.db import IntegrityError

    (a,) = _accounts(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=a.pk).update(balance=-1)


def test_audit_finds_tampering_and_the_command_fails(capsys):
    bank = system_account(Account.Kind.BANK)
    a, b, _c = _accounts()
    ledger_post(kind="topup", lines=[(bank, -100), (a, 100)], idempotency_key="k1")
    call_command("wallet_audit")
    Account.objects.filter(pk=b.pk).update(balance=5)  # money from nowhere
    problems = audit()
    assert any("cached balance 5" in p for p in problems)
    assert any("not conserved" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("wallet_audit")


def test_audit_finds_an_unbalanced_transaction():
    bank = system_account(Account.Kind.BANK)
    a, _b, _c = _accounts()
    txn = ledger_post(kind="topup", lines=[(bank, -100), (a, 100)], idempotency_key="k1")
    Entry.objects.filter(transaction=txn, amount=100).update(amount=90)
    assert any("does not balance" in p for p in audit())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(1, 5_000)),
        min_size=1,
        max_size=30,
    )
)
def test_any_sequence_of_posts_keeps_the_books_right(moves):
    with transaction.atomic():
        bank = system_account(Account.Kind.BANK)
        people = [bank, *_accounts(3)]
        expected = {p.pk: 0 for p in people}
        for i, (src, dst, amount) in enumerate(moves):
            if src == dst:
                continue
            source, target = people[src], people[dst]
            try:
                ledger_post(kind="x", lines=[(source, -amount), (target, amount)], idempotency_key=f"h{i}")
            except InsufficientBalance:
                assert source.kind != Account.Kind.BANK and expected[source.pk] < amount
                continue
            expected[source.pk] -= amount
            expected[target.pk] += amount
        balances = dict(Account.objects.filter(pk__in=expected).values_list("pk", "balance"))
        assert balances == expected
        assert all(v >= 0 for pk, v in balances.items() if pk != bank.pk)
        assert audit() == []
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_shared_accounts_are_updated_last_in_a_post():
    """Every grab and top-up passes through the one holding or bank account: its row lock, held to the
    commit, is taken after the person's, whatever the account ids."""
    holding = system_account(Account.Kind.HOLDING)
    person = Account.objects.create(kind=Account.Kind.PERSON)
    Account.objects.filter(pk=holding.pk).update(balance=100)
    assert holding.pk < person.pk
    with CaptureQueriesContext(connection) as queries:
        ledger_post(kind="packet_grab", lines=[(holding, -100), (person, 100)], idempotency_key="k")
    updated = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updated) == 2
    assert f"WHERE id = {person.pk} " in updated[0] and f"WHERE id = {holding.pk} " in updated[1]
