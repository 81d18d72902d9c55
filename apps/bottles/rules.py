"""The bottles' settings, the day they count in, and what a bottle may say.

Every number is read from settings at each call, so a deployment (or a test) sets its own."""

import unicodedata
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from apps.core import clock
from apps.core.errors import DomainError

from .models import MAX_TEXT

DEFAULTS = {
    "BOTTLE_LIFETIME": timedelta(days=7),  # then it washes away
    "BOTTLE_HOLD": timedelta(minutes=10),  # unanswered in someone's hands this long: back to the sea
    "BOTTLE_THROWS_PER_DAY": 20,
    "BOTTLE_PICKS_PER_DAY": 20,
    "BOTTLE_STARFISH_RATE": 0.25,  # about one net in four brings up a starfish
    "BOTTLE_NEW_ACCOUNT_AGE": timedelta(days=1),  # accounts younger than this throw fewer bottles
    "BOTTLE_NEW_ACCOUNT_THROWS_PER_DAY": 5,
    "BOTTLE_BLOCKED_WORDS": [],
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def throws_per_day(user) -> int:
    if user.date_joined and clock.now() - user.date_joined < setting("BOTTLE_NEW_ACCOUNT_AGE"):
        return min(setting("BOTTLE_NEW_ACCOUNT_THROWS_PER_DAY"), setting("BOTTLE_THROWS_PER_DAY"))
    return setting("BOTTLE_THROWS_PER_DAY")


def _folded(text: str) -> str:
    """Lower case, full-width letters made plain, spaces and dots dropped: "加 微 信", "ＷＸ" still match."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch).startswith("P")))


def clean_text(text, *, what: str = "bottle") -> str:
    """`text` stripped and checked (1..200 characters, no blocked word), or a DomainError saying why."""
    text = (text if isinstance(text, str) else "").strip()
    if not text:
        raise DomainError(
            _("Write something to put in the bottle.") if what == "bottle" else _("Write a reply first."),
            code="empty",
        )
    if len(text) > MAX_TEXT:
        raise DomainError(
            _("A bottle holds at most %(n)s characters (this has %(count)s).")
            % {"n": MAX_TEXT, "count": len(text)},
            code="too_long",
        )
    folded = _folded(text)
    for word in setting("BOTTLE_BLOCKED_WORDS"):
        if word and _folded(word) in folded:
            raise DomainError(
                _('The sea refuses words like "%(word)s": please write it another way.') % {"word": word},
                code="blocked_word",
            )
    return text
