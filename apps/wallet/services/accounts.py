"""Balance accounts, the payment profile (demo bank card) and the payment PIN."""

import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
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
    account = Account.objects.filter(owner=user, kind=Account.Kind.PERSON).first()
    if account is None:
        try:
            with transaction.atomic():
                account = Account.objects.create(owner=user, kind=Account.Kind.PERSON, created_at=clock.now())
        except IntegrityError:
            account = Account.objects.get(owner=user, kind=Account.Kind.PERSON)
    return account


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


def pin_check(*, actor: User, pin) -> None:
    """Verify the payment PIN, counting the try before checking it (a wrong one stays counted)."""
    pin = _clean_pin(pin)
    now = clock.now()
    mine = PaymentProfile.objects.filter(user_id=actor.pk)
    with transaction.atomic():
        # Reserve the try first: this conditional UPDATE holds the row until commit, so parallel tries
        # queue here and at most PIN_TRIES wrong ones are checked before the lock.
        reserved = (
            mine.exclude(pin_hash="")
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .update(failed_attempts=F("failed_attempts") + 1)
        )
        profile = mine.first()
        if reserved:
            matches, restore = pin_hash_matches(pin, profile.pin_hash)
            if matches:
                fields = {"pin_hash": pin_hash_make(pin)} if restore else {}
                mine.update(failed_attempts=0, locked_until=None, **fields)
                return
            left = PIN_TRIES - profile.failed_attempts
            if left <= 0:
                mine.update(failed_attempts=0, locked_until=now + PIN_LOCK)
    if profile is None or not profile.pin_hash:
        raise PinError(_("Set a payment PIN first."), code="pin_not_set")
    if not reserved:
        until = profile.locked_until or now + PIN_LOCK
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        raise PinLocked(
            _(
                "Too many wrong PINs: payments are locked for %(n)s more minutes. Reset your PIN in Wallet settings."
            )
            % {"n": minutes}
        )
    if left <= 0:
        raise PinLocked(
            _("Wrong PIN 5 times: payments are locked for 3 hours. Reset your PIN in Wallet settings.")
        )
    raise PinError(_("Wrong payment PIN. %(n)s tries left.") % {"n": left}, code="pin_wrong")


def has_pin(user: User) -> bool:
    return bool(profile_for(user).pin_hash)


def balance_changed(user: User, account: Account) -> None:
    """Tell the person's open tabs their new balance (the wallet page shows it live)."""
    publish(user_ids=[user.pk], type="wallet.balance", data={"balance": yuan(account.balance)})
