"""Top-up from and withdrawal to the person's demo bank card."""

from django.db.models import F

from apps.accounts.models import User
from apps.wallet.ledger import fingerprint, ledger_post, system_account
from apps.wallet.models import Account, PaymentProfile, Transaction
from apps.wallet.money import parse_amount

from .accounts import account_for, balance_changed, profile_for
from .guard import MAX_PAYMENT, guarded_post

FREE_WITHDRAWAL = 1_000_00


def topup(*, actor: User, amount, pin, idempotency_key) -> Transaction:
    """Move `amount` from the person's demo bank card into their balance."""
    fen = parse_amount(amount, maximum=MAX_PAYMENT)
    kind = Transaction.Kind.TOPUP
    asked = fingerprint(kind, amount=fen)
    profile = profile_for(actor)

    def post(key):
        mine, bank = account_for(actor), system_account(Account.Kind.BANK)
        txn = ledger_post(
            kind=Transaction.Kind.TOPUP,
            lines=[(bank, -fen), (mine, fen)],
            idempotency_key=key,
            initiator=actor,
            memo=f"{profile.card_bank} ({profile.card_last4})",
            request_hash=asked,
            savepoint=False,
        )
        balance_changed(actor, mine)
        return txn

    return guarded_post(actor, idempotency_key, pin, kind, asked, post)


def withdrawal_free_left(withdrawn_before: int) -> int:
    """What a person may still withdraw without a fee (¥1,000 in a lifetime)."""
    return max(0, FREE_WITHDRAWAL - withdrawn_before)


def withdrawal_fee(withdrawn_before: int, amount: int) -> int:
    """WeChat's rule: free up to ¥1,000 in a person's lifetime, then 0.1% (rounded up), at least ¥0.10."""
    free_left = withdrawal_free_left(withdrawn_before)
    charged = max(0, amount - free_left)
    if charged == 0:
        return 0
    return max(10, (charged + 999) // 1000)


def withdraw(*, actor: User, amount, pin, idempotency_key) -> Transaction:
    """Move `amount` (plus any fee) from the balance to the person's demo bank card."""
    fen = parse_amount(amount, maximum=MAX_PAYMENT)
    kind = Transaction.Kind.WITHDRAW
    asked = fingerprint(kind, amount=fen)

    def post(key):
        mine, bank = account_for(actor), system_account(Account.Kind.BANK)
        profile = PaymentProfile.objects.select_for_update().get(user=actor)
        fee = withdrawal_fee(profile.withdrawn_total, fen)
        txn = ledger_post(
            kind=Transaction.Kind.WITHDRAW,
            lines=[(mine, -(fen + fee)), (bank, fen + fee)],
            idempotency_key=key,
            initiator=actor,
            memo=f"{profile.card_bank} ({profile.card_last4})",
            fee=fee,
            request_hash=asked,
            savepoint=False,
        )
        PaymentProfile.objects.filter(pk=profile.pk).update(withdrawn_total=F("withdrawn_total") + fen)
        balance_changed(actor, mine)
        return txn

    return guarded_post(actor, idempotency_key, pin, kind, asked, post)
