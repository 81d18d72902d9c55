"""The ledger: the only code that changes a balance.

`ledger_post` writes one Transaction with balanced entries and applies every balance change with a
conditional UPDATE (`balance >= amount` for a debit), in account order so concurrent posts can't
deadlock (the shared bank and holding accounts last), inside one atomic block: all or nothing. A debit
that would overdraw raises InsufficientBalance and nothing is written.

A caller whose whole transaction rolls back on any error (a payment, a grab) passes `savepoint=False`: the
post then adds no savepoints of its own, and a reused key surfaces as IntegrityError, for the caller to
look up after the rollback (`services.guard.guarded_post` does).
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from apps.core import clock
from apps.core.errors import DomainError

from .models import Account, Entry, RedPacket, Transaction


class InsufficientBalance(DomainError):
    code = "insufficient_balance"

    def __init__(self, message=None):
        super().__init__(message or _("Insufficient balance."))


class DuplicateRequest(Exception):
    """The idempotency key was used already: `existing` is the first result."""

    def __init__(self, existing: Transaction):
        self.existing = existing
        super().__init__(f"idempotency key already used by transaction {existing.pk}")


def system_account(kind: str) -> Account:
    """The demo bank or the holding account (created on first use)."""
    account = Account.objects.filter(kind=kind, owner=None).first()
    if account is None:
        try:
            with transaction.atomic():
                account = Account.objects.create(kind=kind)
        except IntegrityError:
            account = Account.objects.get(kind=kind, owner=None)
    return account


def find_existing(initiator, key: str) -> Transaction | None:
    """The transaction a request with this idempotency key made already, if any."""
    if initiator is None:
        return Transaction.objects.filter(initiator=None, idempotency_key=key).first()
    return Transaction.objects.filter(initiator=initiator, idempotency_key=key).first()


def fingerprint(kind: str, **params) -> str:
    """A digest of what a request asked for (kind, amount, recipient, note...), stored with its key."""
    body = json.dumps({"kind": kind, **params}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def ledger_post(
    *,
    kind: str,
    lines: Iterable[tuple[Account, int]],
    idempotency_key: str,
    initiator=None,
    memo: str = "",
    fee: int = 0,
    transfer=None,
    packet=None,
    payment=None,
    request_hash: str = "",
    savepoint: bool = True,
) -> Transaction:
    """Post one balanced transaction; raise InsufficientBalance (nothing written) or DuplicateRequest.

    With `savepoint=False` any error dooms the caller's transaction instead (Django refuses to commit it),
    and a reused key raises IntegrityError."""
    lines = [(account, int(amount)) for account, amount in lines if int(amount) != 0]
    if len(lines) < 2 or sum(amount for _a, amount in lines) != 0:
        raise ValueError("A transaction needs at least two entries that sum to zero")
    if not idempotency_key:
        raise ValueError("Every transaction needs an idempotency key")
    fields = {
        "kind": kind,
        "initiator": initiator,
        "idempotency_key": idempotency_key,
        "memo": memo[:120],
        "fee": fee,
        "transfer": transfer,
        "packet": packet,
        "payment": payment,
        "request_hash": request_hash,
    }
    with transaction.atomic(savepoint=savepoint):
        if savepoint:
            try:
                with transaction.atomic():  # savepoint: a duplicate key leaves the outer block usable
                    txn = Transaction.objects.create(**fields, created_at=clock.now())
            except IntegrityError:
                existing = find_existing(initiator, idempotency_key)
                if existing is None:
                    raise
                raise DuplicateRequest(existing) from None
        else:
            txn = Transaction.objects.create(**fields, created_at=clock.now())
        net: dict[int, int] = defaultdict(int)
        kinds: dict[int, str] = {}
        for account, amount in lines:
            net[account.pk] += amount
            kinds[account.pk] = account.kind
        balances = {}
        # One order for everyone, so concurrent posts can't deadlock; the shared accounts (the bank, the
        # holding account every red packet passes through) last, so their row locks are held the shortest.
        for pk in sorted(net, key=lambda pk: (kinds[pk] in _SHARED, pk)):
            balance = _apply(pk, net[pk], may_overdraw=kinds[pk] == Account.Kind.BANK)
            if balance is None:
                raise InsufficientBalance()
            balances[pk] = balance
        running = dict(balances)
        entries = []
        # balance_after per line: walk back from the final balance so several lines on one account agree.
        for account, amount in reversed(lines):
            entries.append(
                Entry(
                    transaction=txn, account_id=account.pk, amount=amount, balance_after=running[account.pk]
                )
            )
            running[account.pk] -= amount
        Entry.objects.bulk_create(reversed(entries))
        for account, _amount in lines:
            account.balance = balances[account.pk]
    return txn


_SHARED = (Account.Kind.BANK, Account.Kind.HOLDING)
_APPLY = "UPDATE {table} SET balance = balance + %s WHERE id = %s{floor} RETURNING balance"


def _apply(pk: int, change: int, *, may_overdraw: bool) -> int | None:
    """Add `change` to one balance and return the new balance; None if a debit would overdraw (nothing done).

    Raw SQL for UPDATE ... RETURNING (SQLite 3.35+, PostgreSQL): the new balance without a second read."""
    floor = "" if change >= 0 or may_overdraw else " AND balance >= %s"
    params = [change, pk] if not floor else [change, pk, -change]
    with connection.cursor() as cursor:
        cursor.execute(_APPLY.format(table=Account._meta.db_table, floor=floor), params)
        row = cursor.fetchone()
    return None if row is None else row[0]


def audit() -> list[str]:
    """Every problem with the books: cached balance ≠ entries, unbalanced transactions, money not conserved."""
    problems = []
    sums = dict(Entry.objects.values("account").annotate(s=Sum("amount")).values_list("account", "s"))
    for pk, kind, balance in Account.objects.values_list("pk", "kind", "balance"):
        if balance != (sums.get(pk) or 0):
            problems.append(
                f"account {pk} ({kind}): cached balance {balance} != sum of entries {sums.get(pk) or 0}"
            )
        if balance < 0 and kind != Account.Kind.BANK:
            problems.append(f"account {pk} ({kind}) is negative: {balance}")
    unbalanced = (
        Entry.objects.values("transaction")
        .annotate(s=Sum("amount"))
        .exclude(s=0)
        .values_list("transaction", "s")
    )
    for pk, total in unbalanced:
        problems.append(f"transaction {pk} does not balance: entries sum to {total}")
    empty = Transaction.objects.filter(entries__isnull=True).values_list("pk", flat=True)
    for pk in empty:
        problems.append(f"transaction {pk} has no entries")
    total = Account.objects.aggregate(s=Sum("balance"))["s"] or 0
    if total != 0:
        problems.append(f"money is not conserved: all balances sum to {total}, not 0")
    problems += _packet_problems()
    return problems


def _packet_problems() -> list[str]:
    """A red packet's counts must agree with its shares: what is left (or was refunded) is the free shares."""
    free = Q(shares__claimed_by__isnull=True)
    packets = (
        RedPacket.objects.filter(shares__isnull=False)
        .annotate(free_sum=Sum("shares__amount", filter=free), free=Count("shares", filter=free))
        .values_list("pk", "remaining_amount", "remaining_count", "refunded", "status", "free_sum", "free")
    )
    problems = []
    for pk, left, left_count, refunded, status, free_sum, free_count in packets:
        if left + refunded != (free_sum or 0):
            problems.append(f"packet {pk}: {left} left + {refunded} refunded != free shares {free_sum or 0}")
        if status != RedPacket.Status.EXPIRED and left_count != free_count:
            problems.append(f"packet {pk}: {left_count} shares left but {free_count} free")
    return problems
