"""QR payments: a person's or a merchant's receive code, and paying it."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.selectors import is_blocked_between
from apps.core import clock, tokens
from apps.core.errors import DomainError, NotFound
from apps.core.events import publish
from apps.wallet.ledger import fingerprint, ledger_post
from apps.wallet.models import Merchant, Payment, Transaction
from apps.wallet.money import parse_amount, yuan

from .accounts import accounts_for
from .guard import MAX_PAYMENT, guarded_post

RECEIVE_KIND = "wallet.receive"


@dataclass(frozen=True)
class ReceiveCode:
    payee: User
    merchant: Merchant | None
    amount: int  # fen; 0 lets the payer type the amount

    def shown_to(self, user: User) -> bool:
        """A person's code is shown only to them; a merchant's code is public (it hangs on the counter)."""
        return self.merchant is not None or self.payee.pk == user.pk


def receive_token(*, user: User, amount: int = 0, merchant: Merchant | None = None) -> str:
    """The signed content of a receive-money QR code (optionally for a fixed amount, or a merchant's)."""
    return tokens.sign(RECEIVE_KIND, {"u": user.pk, "a": amount, "m": merchant.pk if merchant else 0})


def receive_code_read(token: str) -> ReceiveCode:
    """Who a scanned receive code pays, or NotFound for a forged, stale or malformed one."""
    try:
        body = tokens.unsign(RECEIVE_KIND, token)
    except DomainError as exc:
        raise NotFound(_("This receive code is not valid.")) from exc
    if not all(isinstance(body.get(field), int) for field in ("u", "a", "m")):
        raise NotFound(_("This receive code is not valid."))
    payee = User.objects.filter(pk=body["u"], is_active=True).first()
    merchant = (
        Merchant.objects.select_related("owner", "account").filter(pk=body["m"]).first()
        if body["m"]
        else None
    )
    if payee is None or (body["m"] and merchant is None):
        raise NotFound(_("This receive code is not valid."))
    return ReceiveCode(payee=payee, merchant=merchant, amount=body["a"])


def payment_post(
    *,
    actor: User,
    payee: User,
    merchant: Merchant | None = None,
    amount,
    note: str = "",
    pin,
    idempotency_key,
) -> Transaction:
    """Pay a person's or a merchant's receive code; both sides hear of it at once. Returns the ledger
    transaction (its id names the payer's statement record; `.payment` is the payment)."""
    if merchant is not None:
        payee = merchant.owner
    if payee is None or not payee.is_active:
        raise NotFound(_("This receive code is not valid."))
    if merchant is None and payee.pk == actor.pk:
        raise DomainError(_("You can't pay yourself."), code="self")
    if merchant is not None and merchant.owner_id == actor.pk:
        raise DomainError(_("You can't pay your own shop."), code="self")
    if merchant is None and is_blocked_between(actor, payee):
        raise NotFound(_("This receive code is not valid."))
    fen = parse_amount(amount, maximum=MAX_PAYMENT)
    note = str(note or "").strip()[:60]
    kind = Transaction.Kind.PAYMENT
    asked = fingerprint(
        kind, payee=payee.pk, merchant=merchant.pk if merchant else None, amount=fen, note=note
    )

    def post(key):
        if merchant is None:
            source, target = accounts_for(actor, payee)
        else:
            (source,), target = accounts_for(actor), merchant.account
        payment = Payment.objects.create(
            payer=actor, payee=payee, merchant=merchant, amount=fen, note=note, created_at=clock.now()
        )
        txn = ledger_post(
            kind=kind,
            lines=[(source, -fen), (target, fen)],
            idempotency_key=key,
            initiator=actor,
            memo=note,
            payment=payment,
            request_hash=asked,
            savepoint=False,
        )
        name = merchant.name if merchant else payee.display_name
        received = {"amount": yuan(fen), "from": actor.display_name, "to": name, "payment": payment.pk}
        if merchant is None:  # the payee's own balance changed (a merchant's takings are shown on its page)
            received["balance"] = yuan(target.balance)
        publish(user_ids=[payee.pk], type="wallet.received", data=received)
        publish(
            user_ids=[actor.pk],
            type="wallet.paid",
            data={"amount": yuan(fen), "to": name, "payment": payment.pk, "balance": yuan(source.balance)},
        )
        return txn

    return guarded_post(actor, idempotency_key, pin, kind, asked, post)


def payment_create(**kwargs) -> Payment:
    """`payment_post`, answered with the payment."""
    return payment_post(**kwargs).payment
