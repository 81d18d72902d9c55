"""Races on PostgreSQL with real threads: a double tap checks in once; a rush of different people gets exact
numbers (the last one is the total); a reward budget is never overspent; cashback is paid exactly once per
check-in and never beyond the organiser's balance."""

import pytest
from django.contrib.auth.hashers import make_password

from apps.accounts.models import User
from apps.checkin import services
from apps.checkin.models import CheckIn, Venue, VenueDay
from apps.wallet import services as wallet
from apps.wallet.ledger import audit
from apps.wallet.models import Transaction
from tests.concurrency import at_once

from .conftest import scan_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch):
    monkeypatch.setattr(services, "CHECKIN_LIMIT", 10_000)


def people(n):
    User.objects.bulk_create(
        [
            User(
                username=f"crowd{i}",
                public_id=f"crowd{i}x",
                display_name=f"C{i}",
                password=make_password(None),
            )
            for i in range(n)
        ]
    )
    return list(User.objects.filter(username__startswith="crowd").order_by("pk"))


def test_a_double_tap_checks_in_once(postgresql, sunli, emma, make_venue, fund):
    fund(sunli, 10_00)
    venue = make_venue(sunli, reward="cashback", cashback="1")
    scan = scan_of(venue)
    results = at_once(lambda _i: services.checkin_create(actor=emma, venue_id=venue.pk, scan=scan), range(8))
    done = [r for r in results if isinstance(r, CheckIn)]
    again = [r for r in results if isinstance(r, services.AlreadyCheckedIn)]
    assert len(done) == 1 and len(again) == 7, results
    assert CheckIn.objects.count() == 1 and VenueDay.objects.get().checkins == 1
    assert wallet.account_for(emma).balance == 100  # paid once
    assert audit() == []


def test_a_rush_gets_exact_numbers_and_a_budget_is_never_overspent(postgresql, sunli, make_venue):
    venue = make_venue(sunli, reward="coupon", coupon_text="Tea", budget=10)
    crowd = people(30)
    scan = scan_of(venue)
    results = at_once(
        lambda p: services.checkin_create(actor=p, venue_id=venue.pk, scan=scan), crowd, workers=16
    )
    assert all(isinstance(r, CheckIn) for r in results), results
    assert sorted(r.number for r in results) == list(range(1, 31))
    assert VenueDay.objects.get().checkins == 30
    states = [r.reward_state for r in results]
    assert states.count("given") == 10 and states.count("ran_out") == 20
    assert Venue.objects.get().rewards_left == 0
    assert venue.coupons.count() == 10


def test_cashback_never_goes_beyond_the_organisers_balance(postgresql, sunli, make_venue, fund):
    fund(sunli, 5_00)
    venue = make_venue(sunli, reward="cashback", cashback="1", budget=50)
    crowd = people(20)
    scan = scan_of(venue)
    results = at_once(
        lambda p: services.checkin_create(actor=p, venue_id=venue.pk, scan=scan), crowd, workers=16
    )
    states = [r.reward_state for r in results]
    assert states.count("given") == 5 and states.count("ran_out") == 15
    assert wallet.account_for(sunli).balance == 0
    assert Venue.objects.get().rewards_left == 45  # what was not paid went back to the budget
    assert Transaction.objects.filter(idempotency_key__startswith="checkin-").count() == 5
    assert VenueDay.objects.get().checkins == 20
    assert audit() == []
