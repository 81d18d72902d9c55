"""Expiry: give back what a transfer or red packet still holds once its 24 hours are over."""

import contextlib

from apps.core import clock
from apps.wallet.ledger import DuplicateRequest
from apps.wallet.models import RedPacket, Transfer

from .packets import packet_expire_if_due
from .transfers import transfer_expire_if_due


def wallet_expire_due(*, limit: int = 200) -> dict[str, int]:
    """Apply every due expiry (transfers and red packets); safe to run from several processes at once."""
    now = clock.now()
    done = {"transfers": 0, "packets": 0}
    for t in Transfer.objects.filter(status=Transfer.Status.PENDING, expires_at__lte=now).order_by("pk")[
        :limit
    ]:
        with contextlib.suppress(DuplicateRequest):
            done["transfers"] += int(transfer_expire_if_due(t))
    for p in RedPacket.objects.filter(status=RedPacket.Status.OPEN, expires_at__lte=now).order_by("pk")[
        :limit
    ]:
        with contextlib.suppress(DuplicateRequest):
            done["packets"] += int(packet_expire_if_due(p))
    return done
