"""The request guard every money-moving action passes: an idempotency key, a rate limit and the PIN.

A retry with the same key and the same details returns the first result and moves nothing again; the same
key with other details is refused.

`guarded_post` runs the PIN try and the post in one transaction.
"""

import re
import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core import ratelimit
from apps.core.errors import DomainError, RateLimited
from apps.wallet.ledger import find_existing
from apps.wallet.models import Transaction

from .accounts import pin_try

MAX_PAYMENT = 50_000_00  # one transfer, payment, top-up or withdrawal: ¥50,000
PAY_LIMIT, PAY_WINDOW = 30, 60  # money-moving attempts per person per minute
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def new_key() -> str:
    """A fresh idempotency key for a form (hidden field) or a client request."""
    return secrets.token_urlsafe(18)


def clean_key(key) -> str:
    key = str(key or "")
    if not _KEY.match(key):
        raise DomainError(_("This form has expired. Please try again."), code="bad_key")
    return key


class KeyReused(DomainError):
    code = "key_reused"

    def __init__(self):
        super().__init__(
            _(
                "This request key was already used for a different request. Nothing was moved: check the details."
            )
        )


def result_of_retry(existing: Transaction, kind: str, request_hash: str) -> Transaction:
    """The first result, if `existing` was made by the same request; a different request is refused."""
    # An empty hash is a transaction stored before requests were fingerprinted: its kind must still match.
    if existing.kind != kind or (existing.request_hash and existing.request_hash != request_hash):
        raise KeyReused()
    return existing


def _admit(actor: User, key, kind: str, request_hash: str) -> tuple[str, Transaction | None]:
    """Validate the key; return the first result of a retry, else count the attempt against the rate limit."""
    key = clean_key(key)
    existing = find_existing(actor, key)
    if existing is not None:
        return key, result_of_retry(existing, kind, request_hash)
    verdict = ratelimit.hit(f"wallet.pay:{actor.pk}", limit=PAY_LIMIT, window=PAY_WINDOW)
    if not verdict.allowed:
        raise RateLimited(
            _("Too many payment attempts. Please wait %(n)s s.") % {"n": verdict.retry_after},
            retry_after=verdict.retry_after,
        )
    return key, None


def guarded_post(actor: User, key, pin, kind: str, request_hash: str, post) -> Transaction:
    """The whole guard, then `post(key)` (which calls ledger_post with savepoint=False), in one transaction.

    A retry returns the first transaction without a PIN; a racing duplicate returns it after the rollback (or
    is refused when it asked for something else). A wrong PIN is refused after the commit, so its try
    stays counted; a right one followed by a failed post is rolled back with it, unless it cleared earlier
    wrong tries: then the post runs in a savepoint and that stays cleared, as a right PIN does alone.
    """
    key, existing = _admit(actor, key, kind, request_hash)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            failure, forgiven = pin_try(actor=actor, pin=pin)
            if failure is None:
                try:
                    with transaction.atomic(savepoint=forgiven):
                        return post(key)
                except Exception as exc:
                    if not forgiven:
                        raise
                    failure = exc
        raise failure
    except IntegrityError:
        existing = find_existing(actor, key)
        if existing is None:
            raise
        return result_of_retry(existing, kind, request_hash)
