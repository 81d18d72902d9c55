"""Amounts are integers in fen; this is the one place text becomes fen and fen becomes ¥12.34."""

import re

from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError

_AMOUNT = re.compile(r"^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$")


class BadAmount(DomainError):
    code = "bad_amount"


def parse_amount(text, *, maximum: int | None = None) -> int:
    """Return `text` ("12", "12.3", "12.34", "¥12.34") in fen, or raise BadAmount with a clear reason."""
    if isinstance(text, int) and not isinstance(text, bool):
        fen = text
    else:
        raw = str(text or "").strip().replace("¥", "").replace("￥", "").replace(",", "")
        if not raw:
            raise BadAmount(_("Enter an amount."))
        if raw.startswith("-"):
            raise BadAmount(_("The amount must be more than zero."))
        if re.match(r"^\s*\d+\.\d{3,}\s*$", raw):
            raise BadAmount(_("Amounts have at most two decimal places."))
        match = _AMOUNT.match(raw)
        if not match:
            raise BadAmount(_("Enter an amount like 12.34."))
        fen = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if fen <= 0:
        raise BadAmount(_("The amount must be more than zero."))
    if maximum is not None and fen > maximum:
        raise BadAmount(_("The amount can be at most %(max)s.") % {"max": yuan(maximum)})
    return fen


def yuan(fen: int, *, sign: bool = False) -> str:
    """¥12.34 (or +¥12.34 / -¥12.34 with `sign`)."""
    fen = int(fen)
    prefix = ("+" if fen > 0 else "-" if fen < 0 else "") if sign else ("-" if fen < 0 else "")
    whole, part = divmod(abs(fen), 100)
    return f"{prefix}¥{whole:,}.{part:02d}"


def plain(fen: int) -> str:
    """12.34 (for CSV and form values)."""
    whole, part = divmod(abs(int(fen)), 100)
    return f"{'-' if fen < 0 else ''}{whole}.{part:02d}"
