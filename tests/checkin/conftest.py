import pytest
from django.contrib.auth.hashers import make_password

from apps.checkin import codes, services
from apps.checkin.models import Venue
from apps.wallet import services as wallet
from apps.wallet.models import PaymentProfile

PIN = "135790"


@pytest.fixture
def make_venue():
    """`make_venue(organiser, **fields)`: a venue through the organiser's form (points by default)."""

    def make(organiser, **fields):
        data = {"name": "Tea house", "address": "1 Road", "city": "shanghai", "x": 50, "y": 50, "points": 10}
        data.update(fields)
        return services.venue_create(actor=organiser, data=data)

    return make


def scan_of(venue: Venue, via: str = "kiosk") -> dict:
    """What the session keeps after opening the venue's current code."""
    token = codes.kiosk_token(venue.pk) if via == "kiosk" else codes.poster_token(venue)
    return services.scan_record(services.scan_read(via[0], token))


def check_in(person, venue, via="kiosk"):
    return services.checkin_create(actor=person, venue_id=venue.pk, scan=scan_of(venue, via))


@pytest.fixture
def fund():
    """`fund(user, fen)`: money on the person's balance (through the ledger, a top-up with a test PIN)."""

    def give(user, fen):
        profile = wallet.profile_for(user)
        PaymentProfile.objects.filter(pk=profile.pk).update(pin_hash=make_password(PIN))
        wallet.topup(actor=user, amount=fen, pin=PIN, idempotency_key=f"fund-{user.pk}-{fen}")
        return wallet.account_for(user)

    return give
