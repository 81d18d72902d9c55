"""The codes: a kiosk code lives for its 30-second slot plus the grace period; forged, tampered, wrong-kind and
replaced-poster codes get a clear page and start nothing; the poster's code works until it is replaced."""

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.checkin import codes, services
from apps.checkin.models import CheckIn
from apps.checkin.views import SCAN_KEY
from apps.core import clock, tokens
from apps.wallet.services import receive_token


@pytest.fixture
def slot_start():
    """The clock at the very start of a kiosk slot."""
    now = clock.now().timestamp()
    clock.advance(timedelta(seconds=codes.SLOT_SECONDS - now % codes.SLOT_SECONDS + 0.001))


def _read(letter, token):
    return services.scan_read(letter, token)


def test_a_kiosk_code_works_in_its_slot_and_the_grace_period_then_expires(sunli, make_venue, slot_start):
    venue = make_venue(sunli)
    token = codes.kiosk_token(venue.pk)
    assert _read("k", token).via == "kiosk"
    clock.advance(timedelta(seconds=codes.SLOT_SECONDS + codes.GRACE_SECONDS - 1))  # next slot, within grace
    assert _read("k", token).venue_id == venue.pk
    assert codes.kiosk_token(venue.pk) != token  # the screen shows a new code by now
    clock.advance(timedelta(seconds=2))  # grace over: a photo passed round later does not work
    with pytest.raises(tokens.InvalidToken) as caught:
        _read("k", token)
    assert caught.value.code == "expired_token"
    assert "30 seconds" in str(caught.value.message)


def test_a_kiosk_code_from_the_future_is_refused(sunli, make_venue, slot_start):
    venue = make_venue(sunli)
    later = codes.kiosk_token(venue.pk, codes.current_slot() + 1)
    with pytest.raises(tokens.InvalidToken):
        _read("k", later)


def test_the_same_kiosk_code_is_shown_on_every_screen_within_a_slot(sunli, make_venue, slot_start):
    venue = make_venue(sunli)
    first = codes.kiosk_token(venue.pk)
    clock.advance(timedelta(seconds=5))
    assert codes.kiosk_token(venue.pk) == first


def test_tampered_forged_and_wrong_kind_codes_are_refused(sunli, make_venue):
    venue = make_venue(sunli)
    good = codes.kiosk_token(venue.pk)
    tampered = good[:-3] + ("AAA" if good[-3:] != "AAA" else "BBB")
    forged = tokens.sign("checkin.kiosk.fake", {"v": venue.pk, "s": codes.current_slot()})
    for letter, token in [
        ("k", tampered),
        ("k", forged),
        ("p", good),  # a kiosk code read as a poster code
        ("k", codes.poster_token(venue)),  # and the other way round
        ("k", receive_token(user=sunli, amount=100)),  # another feature's code
        ("x", good),  # an unknown kind
        ("k", "not-a-token"),
    ]:
        with pytest.raises(tokens.InvalidToken):
            _read(letter, token)


def test_a_replaced_poster_stops_working_but_the_new_one_works(sunli, make_venue):
    venue = make_venue(sunli)
    old = codes.poster_token(venue)
    assert _read("p", old).via == "poster"
    venue = services.poster_replace(actor=sunli, pk=venue.pk)
    with pytest.raises(tokens.InvalidToken) as caught:
        _read("p", old)
    assert "replaced" in str(caught.value.message)
    assert _read("p", codes.poster_token(venue)).via == "poster"


def test_a_poster_code_does_not_expire(sunli, make_venue):
    venue = make_venue(sunli)
    token = codes.poster_token(venue)
    clock.advance(timedelta(days=30))
    assert _read("p", token).venue_id == venue.pk


def test_opening_an_expired_code_shows_a_clear_page_and_no_check_in(
    client_as, sunli, emma, make_venue, slot_start
):
    venue = make_venue(sunli)
    token = codes.kiosk_token(venue.pk)
    clock.advance(timedelta(seconds=codes.SLOT_SECONDS + codes.GRACE_SECONDS + 1))
    client = client_as(emma)
    page = client.get(reverse("checkin:code", args=["k", token]))
    assert page.status_code == 400
    assert "has expired" in page.content.decode()
    assert SCAN_KEY not in client.session
    # Without a scan, the check-in itself is refused too.
    client.post(reverse("checkin:checkin", args=[venue.pk]))
    assert not CheckIn.objects.exists()


def test_a_tampered_code_shows_a_clear_page(client, sunli, make_venue):
    venue = make_venue(sunli)
    page = client.get(reverse("checkin:code", args=["k", codes.kiosk_token(venue.pk) + "x"]))
    assert page.status_code == 400
    assert "This code is not valid." in page.content.decode()
