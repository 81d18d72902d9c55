"""Transfers between friends: held for 24 hours until the recipient accepts or returns them."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.selectors import are_friends, is_blocked_between
from apps.chat import services as chat
from apps.core import clock
from apps.core.errors import DomainError, NotFound
from apps.core.events import publish
from apps.wallet import selectors
from apps.wallet.ledger import fingerprint, ledger_post, system_account
from apps.wallet.models import Account, Transaction, Transfer
from apps.wallet.money import parse_amount, yuan

from .accounts import account_for, balance_changed
from .cards import HOLD_FOR, card_post, card_update
from .guard import MAX_PAYMENT, guarded_post


def transfer_payload(t: Transfer) -> dict:
    return {
        "transfer": t.pk,
        "amount": t.amount,
        "note": t.note,
        "state": t.status,
        "sender": t.sender_id,
        "recipient": t.recipient_id,
    }


def transfer_create(*, actor: User, to: User, amount, note: str = "", pin, idempotency_key) -> Transfer:
    """Hold `amount` for friend `to` for 24 hours and post a transfer card in the chat of the two."""
    if to is None or to.pk == actor.pk:
        raise DomainError(_("You can't transfer money to yourself."), code="self")
    if not to.is_active or not are_friends(actor, to) or is_blocked_between(actor, to):
        raise NotFound(_("You can only transfer money to a friend."))
    fen = parse_amount(amount, maximum=MAX_PAYMENT)
    note = str(note or "").strip()[:60]
    kind = Transaction.Kind.TRANSFER
    asked = fingerprint(kind, to=to.pk, amount=fen, note=note)

    def post(key):
        mine, holding = account_for(actor), system_account(Account.Kind.HOLDING)
        now = clock.now()
        t = Transfer.objects.create(
            sender=actor, recipient=to, amount=fen, note=note, created_at=now, expires_at=now + HOLD_FOR
        )
        txn = ledger_post(
            kind=Transaction.Kind.TRANSFER,
            lines=[(mine, -fen), (holding, fen)],
            idempotency_key=key,
            initiator=actor,
            memo=note,
            transfer=t,
            request_hash=asked,
            savepoint=False,
        )
        conv = chat.conversation_direct_get_or_create(a=actor, b=to)
        card_post(t, sender=actor, conversation=conv, kind="wallet_transfer", payload=transfer_payload(t))
        balance_changed(actor, mine)
        publish(user_ids=[to.pk], type="wallet.transfer", data={"transfer": t.pk, "amount": yuan(fen)})
        return txn

    return guarded_post(actor, idempotency_key, pin, kind, asked, post).transfer


def _settle_transfer(
    t: Transfer, *, status: str, to: User, kind: str, initiator: User | None, key: str
) -> bool:
    """Move a pending transfer to `status` and its money to `to`; False when it was settled already."""
    with transaction.atomic():
        now = clock.now()
        target = account_for(to)
        changed = Transfer.objects.filter(pk=t.pk, status=Transfer.Status.PENDING).update(
            status=status, resolved_at=now
        )
        if not changed:
            return False
        ledger_post(
            kind=kind,
            lines=[(system_account(Account.Kind.HOLDING), -t.amount), (target, t.amount)],
            idempotency_key=key,
            initiator=initiator,
            transfer=t,
        )
        t.status, t.resolved_at = status, now
        card_update(t, {"state": status})
        balance_changed(to, target)
        publish(
            user_ids=[t.sender_id, t.recipient_id],
            type="wallet.transfer",
            data={"transfer": t.pk, "state": status},
        )
    return True


def transfer_accept(*, actor: User, pk) -> Transfer:
    """Take a transfer sent to you (money arrives in your balance)."""
    return _transfer_answer(actor, pk, status=Transfer.Status.ACCEPTED, kind=Transaction.Kind.TRANSFER_ACCEPT)


def transfer_return(*, actor: User, pk) -> Transfer:
    """Send a transfer back to its sender."""
    return _transfer_answer(actor, pk, status=Transfer.Status.RETURNED, kind=Transaction.Kind.TRANSFER_RETURN)


def _transfer_answer(actor: User, pk, *, status: str, kind: str) -> Transfer:
    """The recipient settles a pending transfer once: accepted (to them) or returned (to the sender)."""
    t = selectors.access_transfer(user=actor, pk=pk)
    transfer_expire_if_due(t)
    if t.recipient_id != actor.pk:
        if status == Transfer.Status.ACCEPTED:
            raise DomainError(_("Only the recipient can accept a transfer."), code="forbidden")
        raise DomainError(_("Only the recipient can return a transfer."), code="forbidden")
    to = actor if status == Transfer.Status.ACCEPTED else t.sender
    if t.status != Transfer.Status.PENDING or not _settle_transfer(
        t, status=status, to=to, kind=kind, initiator=None, key=f"transfer-{t.pk}-settle"
    ):
        t.refresh_from_db()
        if t.status != status:  # a retry of the same answer is not an error
            raise DomainError(_("This transfer was %(state)s.") % {"state": t.get_status_display().lower()})
    return t


def transfer_expire_if_due(t: Transfer) -> bool:
    """Refund a pending transfer to its sender once its 24 hours are over (the sweep and an answer to the
    transfer call this; a page never does)."""
    if t.status != Transfer.Status.PENDING or t.expires_at > clock.now():
        return False
    done = _settle_transfer(
        t,
        status=Transfer.Status.EXPIRED,
        to=t.sender,
        kind=Transaction.Kind.TRANSFER_EXPIRE,
        initiator=None,
        key=f"transfer-{t.pk}-settle",
    )
    t.refresh_from_db()
    return done
