"""Balance accounts, the payment profile (demo bank card) and the payment PIN."""

import re
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core import clock, ratelimit
from apps.core.errors import DomainError, RateLimited
from apps.core.events import publish
from apps.wallet.models import Account, PaymentProfile
from apps.wallet.money import yuan
from apps.wallet.pin import pin_hash_make, pin_hash_matches

PIN_TRIES = 5
PIN_LOCK = timedelta(hours=3)


class PinError(DomainError):
    code = "pin"


class PinLocked(DomainError):
    code = "pin_locked"


def account_for(user: User) -> Account:
    """The person's balance account (created on first use)."""
    return Account.objects.filter(owner=user, kind=Account.Kind.PERSON).first() or account_create(user)


def account_create(user: User) -> Account:
    """Open the person's balance account, or return the one a racing request has just opened."""
    try:
        with transaction.atomic():  # savepoint: a racing twin leaves the caller's transaction usable
            return Account.objects.create(owner=user, kind=Account.Kind.PERSON, created_at=clock.now())
    except IntegrityError:
        return Account.objects.get(owner=user, kind=Account.Kind.PERSON)


def accounts_for(*users: User) -> list[Account]:
    """The balance accounts of `users`, in their order, from one read (each created on first use)."""
    found = {
        a.owner_id: a
        for a in Account.objects.filter(owner_id__in=[u.pk for u in users], kind=Account.Kind.PERSON)
    }
    return [found.get(u.pk) or account_create(u) for u in users]


def profile_for(user: User) -> PaymentProfile:
    profile, _created = PaymentProfile.objects.get_or_create(
        user=user, defaults={"card_last4": f"{(user.pk * 7919) % 10000:04d}"}
    )
    return profile


def _clean_pin(pin) -> str:
    pin = str(pin or "").strip()
    if not re.fullmatch(r"\d{6}", pin):
        raise PinError(_("The payment PIN is 6 digits."))
    return pin


def pin_set(*, actor: User, pin, confirm) -> None:
    """Set the payment PIN the first time."""
    pin = _clean_pin(pin)
    if pin != str(confirm or "").strip():
        raise PinError(_("The two PINs don't match."))
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise PinError(_("Choose a PIN that is harder to guess."))
    with transaction.atomic():
        profile = PaymentProfile.objects.select_for_update().get(pk=profile_for(actor).pk)
        if profile.pin_hash:
            raise PinError(_("Your payment PIN is set already; change it with your login password."))
        profile.pin_hash = pin_hash_make(pin)
        profile.save(update_fields=["pin_hash"])


def pin_change(*, actor: User, password, pin, confirm) -> None:
    """Replace the payment PIN, proven with the login password; also lifts a lock-out."""
    verdict = ratelimit.hit(f"wallet.pinchange:{actor.pk}", limit=5, window=900)
    if not verdict.allowed:
        raise RateLimited(retry_after=verdict.retry_after)
    if not actor.check_password(str(password or "")):
        raise PinError(_("Your login password is not right."))
    pin = _clean_pin(pin)
    if pin != str(confirm or "").strip():
        raise PinError(_("The two PINs don't match."))
    with transaction.atomic():
        profile = PaymentProfile.objects.select_for_update().get(pk=profile_for(actor).pk)
        profile.pin_hash = pin_hash_make(pin)
        profile.failed_attempts = 0
        profile.locked_until = None
        profile.save(update_fields=["pin_hash", "failed_attempts", "locked_until"])


# Count first: reserve the try (and read what checking it needs) in one conditional UPDATE, which holds the
# profile row until the transaction ends, so parallel tries queue here and at most PIN_TRIES wrong ones are
# checked before the lock. Raw SQL for UPDATE ... RETURNING (SQLite 3.35+, PostgreSQL).
_RESERVE_TRY = """
UPDATE {profile} SET failed_attempts = failed_attempts + 1
WHERE user_id = %s AND pin_hash <> '' AND (locked_until IS NULL OR locked_until <= %s)
RETURNING pin_hash, failed_attempts
"""


def pin_try(*, actor: User, pin) -> tuple[DomainError | None, bool]:
    """Count a try at the payment PIN, then check it; call inside the transaction that acts on it.

    Returns (refusal, forgiven): the error to raise once the transaction has committed (the wrong try must
    stay counted, so it is returned, not raised), and whether a right PIN just cleared earlier wrong tries
    or re-signed the hash (worth keeping even if the action it guards then fails)."""
    pin = _clean_pin(pin)  # before counting: a malformed PIN uses no try
    now = clock.now()
    mine = PaymentProfile.objects.filter(user_id=actor.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            _RESERVE_TRY.format(profile=PaymentProfile._meta.db_table),
            [actor.pk, connection.ops.adapt_datetimefield_value(now)],
        )
        reserved = cursor.fetchone()
    if reserved is None:
        profile = mine.only("pin_hash", "locked_until").first()
        if profile is None or not profile.pin_hash:
            return PinError(_("Set a payment PIN first."), code="pin_not_set"), False
        until = profile.locked_until or now + PIN_LOCK
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        return PinLocked(
            _(
                "Too many wrong PINs: payments are locked for %(n)s more minutes. Reset your PIN in Wallet settings."
            )
            % {"n": minutes}
        ), False
    stored, tries = reserved
    matches, restore = pin_hash_matches(pin, stored)
    if matches:
        fields = {"pin_hash": pin_hash_make(pin)} if restore else {}
        mine.update(failed_attempts=0, locked_until=None, **fields)
        return None, tries > 1 or restore
    left = PIN_TRIES - tries
    if left <= 0:
        mine.update(failed_attempts=0, locked_until=now + PIN_LOCK)
        return PinLocked(
            _("Wrong PIN 5 times: payments are locked for 3 hours. Reset your PIN in Wallet settings.")
        ), False
    return PinError(_("Wrong payment PIN. %(n)s tries left.") % {"n": left}, code="pin_wrong"), False


def pin_check(*, actor: User, pin) -> None:
    """Verify the payment PIN on its own, counting the try before checking it (a wrong one stays counted)."""
    with transaction.atomic():
        refusal, _forgiven = pin_try(actor=actor, pin=pin)
    if refusal is not None:
        raise refusal


def has_pin(user: User) -> bool:
    return bool(profile_for(user).pin_hash)


def balance_changed(user: User, account: Account) -> None:
    """Tell the person's open tabs their new balance (the wallet page shows it live)."""
    publish(user_ids=[user.pk], type="wallet.balance", data={"balance": yuan(account.balance)})
