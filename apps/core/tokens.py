"""Signed tokens for QR payloads: one salt per kind, expiry read on the one clock."""

from typing import Any

from django.core import signing
from django.utils.translation import gettext_lazy as _

from apps.core import clock
from apps.core.errors import DomainError


class InvalidToken(DomainError):
    code = "invalid_token"


def sign(kind: str, payload: dict[str, Any]) -> str:
    """Return a URL-safe token carrying `payload`, stamped with the current time."""
    body = {**payload, "iat": int(clock.now().timestamp())}
    return signing.dumps(body, salt=f"socialdemo.{kind}", compress=True)


def unsign(kind: str, token: str, *, max_age: int | None = None) -> dict[str, Any]:
    """Return the payload, or raise InvalidToken for a tampered, foreign-kind or expired token."""
    try:
        body = signing.loads(token, salt=f"socialdemo.{kind}")
    except signing.BadSignature as exc:
        raise InvalidToken(_("This code is not valid.")) from exc
    if not isinstance(body, dict) or "iat" not in body:
        raise InvalidToken(_("This code is not valid."))
    if max_age is not None and clock.now().timestamp() - body["iat"] > max_age:
        raise InvalidToken(_("This code has expired."), code="expired_token")
    return body
