"""Checking in: once per venue and day on the app's calendar (China time), the rewards (points, a coupon used
once, cashback through the ledger from the organiser's balance), budgets running out with the count still
exact, the organiser refused at their own venue, opening hours, a scan's time limit, the rate limit, the live
event for the kiosk."""

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.checkin import services
from apps.checkin.models import CheckIn, Coupon, Venue, VenueDay
from apps.core import clock
from apps.core.errors import DomainError, RateLimited
from apps.wallet import services as wallet
from apps.wallet.ledger import audit

from .conftest import check_in, scan_of


def test_a_check_in_counts_and_gives_points(sunli, emma, tom, make_venue):
    venue = make_venue(sunli, points=15)
    first = check_in(emma, venue)
    second = check_in(tom, venue, via="poster")
    assert (first.number, second.number) == (1, 2)
    assert first.reward_state == CheckIn.RewardState.GIVEN and first.reward_amount == 15
    assert second.via == "poster"
    assert VenueDay.objects.get(venue=venue).checkins == 2


def test_once_per_venue_per_day_then_again_after_midnight_china_time(sunli, emma, make_venue, clock_at):
    clock_at("2026-12-05T15:50:00Z")  # 23:50 in Shanghai
    venue = make_venue(sunli)
    check_in(emma, venue)
    with pytest.raises(services.AlreadyCheckedIn):
        check_in(emma, venue)
    clock_at("2026-12-05T15:59:30Z")  # 23:59:30 China time: still the same day
    with pytest.raises(services.AlreadyCheckedIn):
        check_in(emma, venue)
    clock_at("2026-12-05T16:00:10Z")  # 00:00:10 in Shanghai (still the 5th in London): a new day
    again = check_in(emma, venue)
    assert again.day.isoformat() == "2026-12-06" and again.number == 1
    assert CheckIn.objects.filter(person=emma).count() == 2


def test_the_database_refuses_a_second_check_in_the_same_day(sunli, emma, make_venue):
    from django.db import IntegrityError, transaction

    venue = make_venue(sunli)
    done = check_in(emma, venue)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(venue=venue, person=emma, day=done.day, via="kiosk", number=9)


def test_a_coupon_is_given_and_redeemed_once_by_the_organiser_only(sunli, emma, tom, make_venue):
    venue = make_venue(sunli, reward="coupon", coupon_text="Free tea")
    done = check_in(emma, venue)
    coupon = Coupon.objects.get(checkin=done)
    assert coupon.holder == emma and coupon.text == "Free tea"
    with pytest.raises(DomainError):  # not tom's venue: not found
        services.coupon_redeem(actor=tom, venue_pk=venue.pk, code=coupon.code)
    with pytest.raises(DomainError):  # the holder can't redeem it either
        services.coupon_redeem(actor=emma, venue_pk=venue.pk, code=coupon.code)
    used = services.coupon_redeem(actor=sunli, venue_pk=venue.pk, code=coupon.code.lower())
    assert used.redeemed_at is not None
    with pytest.raises(DomainError, match="used already"):
        services.coupon_redeem(actor=sunli, venue_pk=venue.pk, code=coupon.code)


def test_cashback_moves_money_from_the_organisers_balance(sunli, emma, make_venue, fund):
    fund(sunli, 300)
    venue = make_venue(sunli, reward="cashback", cashback="1.50")
    assert venue.reward_amount == 150
    before = wallet.account_for(emma).balance
    done = check_in(emma, venue)
    assert done.reward_state == CheckIn.RewardState.GIVEN
    assert wallet.account_for(emma).balance == before + 150
    assert wallet.account_for(sunli).balance == 150
    assert audit() == []


def test_cashback_the_organiser_cannot_pay_runs_out_and_the_check_in_still_counts(
    sunli, emma, tom, make_venue, fund
):
    fund(sunli, 100)
    venue = make_venue(sunli, reward="cashback", cashback="1", budget=5)
    assert check_in(emma, venue).reward_state == CheckIn.RewardState.GIVEN
    late = check_in(tom, venue)
    assert late.reward_state == CheckIn.RewardState.RAN_OUT and late.number == 2
    assert wallet.account_for(tom).balance == 0
    venue.refresh_from_db()
    assert venue.rewards_left == 4  # the unpaid reward went back to the budget
    assert audit() == []


def test_a_budget_runs_out_exactly(sunli, emma, tom, james, make_venue):
    venue = make_venue(sunli, budget=2)
    states = [check_in(p, venue).reward_state for p in (emma, tom, james)]
    assert states == ["given", "given", "ran_out"]
    venue.refresh_from_db()
    assert venue.rewards_left == 0
    assert VenueDay.objects.get(venue=venue).checkins == 3


def test_the_organiser_cannot_check_in_at_their_own_venue(sunli, make_venue):
    venue = make_venue(sunli)
    with pytest.raises(DomainError, match="organise"):
        check_in(sunli, venue)
    assert not CheckIn.objects.exists()


def test_check_ins_only_while_the_venue_is_open(sunli, emma, make_venue):
    now = clock.now()
    venue = make_venue(
        sunli,
        opens_at=(now + timedelta(hours=1)).isoformat(),
        closes_at=(now + timedelta(hours=3)).isoformat(),
    )
    with pytest.raises(DomainError, match="not open"):
        check_in(emma, venue)
    clock.advance(timedelta(hours=2))
    check_in(emma, venue)
    clock.advance(timedelta(days=1, hours=2))
    with pytest.raises(DomainError, match="not open"):
        check_in(emma, Venue.objects.get(pk=venue.pk))


def test_a_scan_is_good_for_ten_minutes_and_for_its_venue_only(sunli, emma, make_venue):
    venue, other = make_venue(sunli), make_venue(sunli, name="Other")
    scan = scan_of(venue)
    with pytest.raises(DomainError, match="Scan"):
        services.checkin_create(actor=emma, venue_id=other.pk, scan=scan)
    with pytest.raises(DomainError, match="Scan"):
        services.checkin_create(actor=emma, venue_id=venue.pk, scan=None)
    clock.advance(timedelta(seconds=services.SCAN_VALID_FOR + 1))
    with pytest.raises(DomainError, match="Scan"):
        services.checkin_create(actor=emma, venue_id=venue.pk, scan=scan)
    assert not CheckIn.objects.exists()


def test_check_ins_are_rate_limited_per_person(sunli, emma, make_venue, window_start):
    venues = [make_venue(sunli, name=f"V{i}") for i in range(services.CHECKIN_LIMIT + 1)]
    for venue in venues[:-1]:
        check_in(emma, venue)
    with pytest.raises(RateLimited):
        check_in(emma, venues[-1])


def test_only_the_organisers_tabs_hear_each_check_in_with_the_days_count(
    sunli, emma, make_venue, published_events
):
    venue = make_venue(sunli)
    with published_events() as sent:
        check_in(emma, venue)
    assert len(sent) == 1
    event = sent[0]
    assert event["user_ids"] == [sunli.pk] and event["type"] == "checkin.new" and "page" not in event
    assert event["data"]["count"] == 1 and event["data"]["person"]["name"] == str(emma)
    assert "public_id" not in str(event)


def test_a_refused_check_in_announces_nothing(sunli, make_venue, published_events):
    venue = make_venue(sunli)
    with published_events() as sent, pytest.raises(DomainError):
        check_in(sunli, venue)
    assert sent == []


def test_the_venue_form_refuses_bad_input_and_saves_nothing(sunli, make_venue):
    for bad in [
        {"name": ""},
        {"city": "atlantis"},
        {"x": 300},
        {"reward": "gold"},
        {"points": 0},
        {"reward": "cashback", "cashback": "50"},  # more than a small cashback
        {"reward": "coupon", "coupon_text": ""},
        {"opens_at": "2026-12-05T10:00", "closes_at": "2026-12-05T09:00"},
        {"opens_at": "yesterday"},
    ]:
        with pytest.raises(DomainError):
            make_venue(sunli, **bad)
    assert not Venue.objects.exists()


def test_someone_elses_venue_cannot_be_edited_and_its_organiser_pages_are_not_found(
    client_as, sunli, emma, make_venue
):
    venue = make_venue(sunli)
    with pytest.raises(DomainError):
        services.venue_update(actor=emma, pk=venue.pk, data={"name": "Mine now"})
    client = client_as(emma)
    for name in ["venue_edit", "poster", "kiosk", "kiosk_code"]:
        assert client.get(reverse(f"checkin:{name}", args=[venue.pk])).status_code == 404, name
    assert (
        client.post(reverse("checkin:venue_edit", args=[venue.pk]), {"name": "Mine now"}).status_code == 404
    )
    assert client.post(reverse("checkin:poster_replace", args=[venue.pk])).status_code == 404
    assert client.post(reverse("checkin:redeem", args=[venue.pk]), {"code": "X"}).status_code == 404
    venue.refresh_from_db()
    assert venue.name == "Tea house" and venue.poster_version == 1
    # The venue's own page is for everyone.
    assert client.get(reverse("checkin:venue", args=[venue.pk])).status_code == 200


def test_creating_venues_is_rate_limited(sunli, make_venue, window_start):
    for i in range(services.VENUES_PER_DAY):
        make_venue(sunli, name=f"V{i}")
    with pytest.raises(RateLimited):
        make_venue(sunli, name="One too many")
    assert Venue.objects.count() == services.VENUES_PER_DAY
