"""Integer ids from URLs and query strings: only 1..2**63-1, the range every database column holds.

Anything beyond would reach the database and fail there (SQLite cannot even bind it), so a path with such
an id matches no URL (404) and a query string with one gets a clear 400.
"""

from django.urls import register_converter
from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError

MAX_ID = 2**63 - 1


class IdConverter:
    """`<id:pk>`: a positive id that fits a 64-bit signed column; anything else is a 404."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)  # the URL does not match: 404
        return number

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")


class BadQuery(DomainError):
    code = "bad_query"


def parse_id(raw: str) -> int:
    """Return one id (or sequence number) from a query string or form; raise BadQuery for anything else."""
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and 0 <= int(raw) <= MAX_ID):
        raise BadQuery(_("That request could not be read."))
    return int(raw)


def parse_ids(raw: str, *, limit: int = 200) -> list[int]:
    """Return the ids of a comma-separated list like `?ids=4,8,15`; raise BadQuery for any bad item."""
    items = [item for item in raw.split(",") if item.strip()]
    if len(items) > limit:
        raise BadQuery(_("That request could not be read."))
    return [parse_id(item) for item in items]
