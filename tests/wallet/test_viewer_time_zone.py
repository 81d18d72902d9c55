"""The statement shows times in the viewer's zone, as the chat list does (tests/core/test_timezones.py)."""

import pytest

from apps.core.timezones import TIME_ZONE_COOKIE
from apps.wallet import services as wallet

from .conftest import PIN, key

pytestmark = pytest.mark.django_db

SENT_AT = "2026-12-05T02:30:00Z"  # 10:30 on the 5th in Shanghai (TIME_ZONE), 21:30 on the 4th in New York


def test_the_statement_shows_times_in_the_viewers_zone(client_as, clock_at, liwei, pin_for):
    pin_for(liwei)
    clock_at(SENT_AT)
    wallet.topup(actor=liwei, amount="50", pin=PIN, idempotency_key=key())
    client = client_as(liwei)
    assert "2026-12-05 10:30" in client.get("/wallet/statement/").content.decode()
    client.cookies[TIME_ZONE_COOKIE] = "America/New_York"
    page = client.get("/wallet/statement/").content.decode()
    assert "2026-12-04 21:30" in page and "2026-12-05 10:30" not in page
