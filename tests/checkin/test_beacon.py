"""Shake nearby (the simulated beacon): a person whose People Nearby location is in a venue's area, or who just
scanned its kiosk screen, gets the venue when they shake, and can check in there for its coupon, once a day
(the check-in services' rules); someone elsewhere gets nothing; shakes are rate-limited."""

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.checkin import beacon, services
from apps.checkin.models import CheckIn, Coupon
from apps.checkin.views import SCAN_KEY
from apps.core import clock
from apps.core.errors import DomainError, RateLimited
from apps.nearby import grid
from apps.nearby.services import location_clear, presence_put

from .conftest import scan_of


def put(user, venue, d_row=0, d_col=0, *, visible=True):
    """`user` in People Nearby, `d_row`/`d_col` cells from the venue's."""
    presence_put(
        user, grid.Cell(venue.row + d_row, venue.col + d_col), place="shanghai", period="1h", visible=visible
    )


@pytest.fixture
def tea(sunli, make_venue):
    return make_venue(sunli, name="Tea house", reward="coupon", coupon_text="Free jasmine tea")


def shake(client):
    response = client.post(reverse("checkin:beacon_shake"))
    return response.status_code, response.content.decode()


def test_the_venues_area_is_its_cell_and_the_eight_around_it(tea):
    for d_row in (-1, 0, 1):
        for d_col in (-1, 0, 1):
            assert beacon.in_area(tea, grid.Cell(tea.row + d_row, tea.col + d_col)), (d_row, d_col)
    for d_row, d_col in ((2, 0), (0, 2), (-2, -2), (2, 1)):
        assert not beacon.in_area(tea, grid.Cell(tea.row + d_row, tea.col + d_col)), (d_row, d_col)


def test_in_the_area_a_shake_gets_the_venue_and_its_coupon(client_as, emma, tea):
    put(emma, tea, 1, -1, visible=False)  # browsing People Nearby invisibly is still where she is
    client = client_as(emma)
    status, card = shake(client)
    assert status == 200 and 'data-testid="beacon-venue"' in card and "Tea house" in card
    assert "Free jasmine tea" in card and 'data-testid="beacon-checkin"' in card
    # The card's button is the venue's own check-in, by the beacon's scan the shake left in the session.
    page = client.post(reverse("checkin:checkin", args=[tea.pk]), follow=True).content.decode()
    done = CheckIn.objects.get()
    assert done.person == emma and done.via == CheckIn.Via.BEACON
    coupon = Coupon.objects.get()
    assert coupon.holder == emma and coupon.code in page


def test_out_of_the_area_a_shake_finds_nothing(client_as, emma, tea):
    put(emma, tea, 3, 0)  # 1.5 km north
    client = client_as(emma)
    status, card = shake(client)
    assert status == 200 and 'data-testid="beacon-none"' in card and "Tea house" not in card
    assert SCAN_KEY not in client.session
    client.post(reverse("checkin:checkin", args=[tea.pk]))
    assert not CheckIn.objects.exists()  # no scan, no check-in


def test_the_nearest_open_venue_is_found(sunli, james, emma, make_venue, tea):
    near = make_venue(james, name="Workshop", points=5)
    closed = make_venue(
        james, name="Closed", points=5, opens_at="2026-01-01T00:00", closes_at="2026-01-02T00:00"
    )
    for venue in (near, closed):
        venue.row, venue.col = tea.row + 1, tea.col
        venue.save(update_fields=["row", "col"])
    put(emma, tea, 2, 0)  # next to the workshop's cell, two from the tea house's: out of its area
    assert beacon.shake(actor=emma, scan=None) == near
    put(emma, tea, 0, 0)
    assert beacon.shake(actor=emma, scan=None) == tea  # both in reach: the nearer


def test_a_recent_kiosk_scan_is_being_there_without_a_location(emma, tea):
    scan = scan_of(tea, "kiosk")
    assert beacon.shake(actor=emma, scan=scan) == tea
    assert beacon.scan_after(scan, tea) == scan  # the kiosk's scan stays as it was
    clock.advance(timedelta(seconds=services.SCAN_VALID_FOR + 1))
    with pytest.raises(DomainError) as refused:  # the scan is too old, and she set no location
        beacon.shake(actor=emma, scan=scan)
    assert refused.value.code == "no_location"
    poster = scan_of(tea, "poster")  # a poster can be photographed anywhere: it is not the beacon
    with pytest.raises(DomainError):
        beacon.shake(actor=emma, scan=poster)


def test_without_a_location_the_page_says_how_to_set_one(client_as, emma, tea):
    client = client_as(emma)
    page = client.get(reverse("checkin:beacon")).content.decode()
    assert 'data-testid="beacon-simulated"' in page and "simulated" in page
    assert 'data-testid="beacon-set-location"' in page
    status, card = shake(client)
    assert status == 400 and "Set your location in People Nearby" in card
    put(emma, tea)
    location_clear(user=emma)  # cleared: the app no longer knows
    assert shake(client)[0] == 400


def test_shakes_are_rate_limited(client_as, emma, tea, settings, window_start):
    settings.CHECKIN_BEACON_SHAKES_PER_HOUR = 3
    put(emma, tea)
    client = client_as(emma)
    assert [shake(client)[0] for _ in range(3)] == [200, 200, 200]
    status, card = shake(client)
    assert status == 429 and "3 times this hour" in card
    with pytest.raises(RateLimited):
        beacon.shake(actor=emma, scan=None)
    clock.advance(timedelta(hours=1))
    put(emma, tea)  # (her People Nearby hour is up too)
    assert shake(client)[0] == 200


def test_the_coupon_comes_once_a_day_however_often_she_shakes(client_as, emma, tea):
    put(emma, tea)
    client = client_as(emma)
    shake(client)
    client.post(reverse("checkin:checkin", args=[tea.pk]))
    _status, card = shake(client)
    assert 'data-testid="beacon-checkin"' not in card and "You checked in today: number 1" in card
    client.post(reverse("checkin:checkin", args=[tea.pk]))  # a second try, by the session's scan
    assert CheckIn.objects.count() == 1 and Coupon.objects.count() == 1
    clock.advance(timedelta(days=1))
    put(emma, tea)  # her People Nearby hour is up the next day: she sets it again
    shake(client)
    client.post(reverse("checkin:checkin", args=[tea.pk]))
    assert CheckIn.objects.count() == 2 and Coupon.objects.count() == 2


def test_the_organiser_shaking_at_their_venue_gets_the_reason_not_a_reward(client_as, sunli, tea):
    put(sunli, tea)
    status, card = shake(client_as(sunli))
    assert (
        status == 200
        and 'data-testid="checkin-refusal"' in card
        and 'data-testid="beacon-checkin"' not in card
    )


def test_shaking_takes_a_bounded_number_of_queries(client_as, emma, tea, django_assert_max_num_queries):
    put(emma, tea)
    client = client_as(emma)
    with django_assert_max_num_queries(10):
        assert shake(client)[0] == 200
