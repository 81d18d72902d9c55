"""A venue's check-in codes: a static one for the printed poster and a dynamic one for the kiosk screen.

Both are `apps.core.tokens` (signed, one salt per kind: a poster code is never a kiosk code, and no other code
of the app is either). The poster's carries the venue's poster version (a reset voids every print); the
kiosk's carries a 30-second slot of the one clock and is accepted until GRACE_SECONDS after its slot ends, so
a photo passed round later does not work. Images are cached per code: a kiosk's code is drawn once per slot
whichever screen (or worker sharing the cache) asks.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from apps.core import clock, qr, tokens

POSTER_KIND = "checkin.poster"
KIOSK_KIND = "checkin.kiosk"
KINDS = {"p": POSTER_KIND, "k": KIOSK_KIND}  # the letter in a code's URL
SLOT_SECONDS = 30
GRACE_SECONDS = 15


@dataclass(frozen=True)
class Scanned:
    venue_id: int
    via: str  # "poster" or "kiosk" (CheckIn.Via)


def current_slot() -> int:
    return int(clock.now().timestamp()) // SLOT_SECONDS


def seconds_left_in_slot() -> float:
    return SLOT_SECONDS - clock.now().timestamp() % SLOT_SECONDS


def poster_token(venue) -> str:
    return tokens.sign(POSTER_KIND, {"v": venue.pk, "n": venue.poster_version})


def kiosk_token(venue_id: int, slot: int | None = None) -> str:
    """The kiosk code of `slot` (default: now). Cached for the slot so every screen shows the same code."""
    slot = current_slot() if slot is None else slot
    key = f"checkin:kiosk-token:{venue_id}:{slot}"
    token = cache.get(key)
    if token is None:
        token = tokens.sign(KIOSK_KIND, {"v": venue_id, "s": slot})
        cache.set(key, token, timeout=SLOT_SECONDS + GRACE_SECONDS)
    return token


def read(letter: str, token: str, *, poster_version_of) -> Scanned:
    """Check a scanned code; raise tokens.InvalidToken (forged, tampered, wrong kind, expired, replaced poster).

    `poster_version_of(venue_id)` returns the venue's current poster version (None: no such venue)."""
    kind = KINDS.get(letter)
    if kind is None:
        raise tokens.InvalidToken(_("This code is not valid."))
    body = tokens.unsign(kind, token)
    venue_id = body.get("v")
    if not isinstance(venue_id, int):
        raise tokens.InvalidToken(_("This code is not valid."))
    if kind == KIOSK_KIND:
        slot = body.get("s")
        if not isinstance(slot, int):
            raise tokens.InvalidToken(_("This code is not valid."))
        now = clock.now().timestamp()
        # Not before its slot (a clock moved back), and not after its slot's end plus the grace period.
        if now < slot * SLOT_SECONDS or now > (slot + 1) * SLOT_SECONDS + GRACE_SECONDS:
            raise tokens.InvalidToken(
                _("This check-in code has expired: it changes every 30 seconds. Scan the screen again."),
                code="expired_token",
            )
        version = poster_version_of(venue_id)
        if version is None:
            raise tokens.InvalidToken(_("This code is not valid."))
        return Scanned(venue_id, "kiosk")
    version = poster_version_of(venue_id)
    if version is None or body.get("n") != version:
        raise tokens.InvalidToken(
            _("This poster has been replaced by the organiser. Scan the venue's current code."),
            code="expired_token",
        )
    return Scanned(venue_id, "poster")


def image(url: str, fmt: str, *, timeout: int, quick: bool = False) -> tuple[bytes, str]:
    """The QR image of `url` as (bytes, content type), drawn once and kept in the shared cache. `quick` for a
    kiosk's code, drawn anew every slot (apps.core.qr.qr_svg_quick)."""
    fmt = "png" if fmt == "png" else "svg"
    key = f"checkin:qr:{fmt}:{hashlib.sha256(url.encode()).hexdigest()}"
    body = cache.get(key)
    if body is None:
        if fmt == "png":
            body = qr.qr_png(url)
        else:
            body = (qr.qr_svg_quick(url) if quick else qr.qr_svg(url)).encode()
        cache.set(key, body, timeout=timeout)
    return body, "image/png" if fmt == "png" else "image/svg+xml"
