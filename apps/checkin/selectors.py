"""Reads: a person's check-ins and coupons, an organiser's venues, a venue's day for the kiosk."""

from django.db.models import Sum

from apps.accounts.models import User
from apps.core import clock

from .models import CheckIn, Coupon, Venue, VenueDay

PAGE = 50


def my_checkins(user: User) -> list[CheckIn]:
    return list(
        CheckIn.objects.filter(person=user).select_related("venue", "coupon").order_by("-created_at")[:PAGE]
    )


def my_points(user: User) -> int:
    given = CheckIn.objects.filter(
        person=user, reward=Venue.Reward.POINTS, reward_state=CheckIn.RewardState.GIVEN
    )
    return given.aggregate(total=Sum("reward_amount"))["total"] or 0


def my_coupons(user: User) -> list[Coupon]:
    return list(
        Coupon.objects.filter(holder=user).select_related("venue").order_by("redeemed_at", "-id")[:PAGE]
    )


def my_venues(user: User) -> list[Venue]:
    """The venues `user` organises, each with `today` (today's check-ins)."""
    venues = list(Venue.objects.filter(organiser=user).order_by("-id"))
    counts = dict(
        VenueDay.objects.filter(venue__in=venues, day=clock.today()).values_list("venue_id", "checkins")
    )
    for venue in venues:
        venue.today = counts.get(venue.pk, 0)
    return venues


def today_count(venue: Venue) -> int:
    return today_count_of(venue.pk)


def today_count_of(venue_id: int) -> int:
    """The venue's check-ins today (its day row's counter)."""
    days = VenueDay.objects.filter(venue_id=venue_id, day=clock.today())
    return days.values_list("checkins", flat=True).first() or 0


def latest_people(venue: Venue, *, limit: int) -> list[User]:
    """Who checked in at the venue today, newest first (by the index on venue and time)."""
    rows = (
        CheckIn.objects.filter(venue=venue, day=clock.today())
        .select_related("person")
        .order_by("-created_at")[:limit]
    )
    return [row.person for row in rows]


def checkin_today(user: User, venue: Venue) -> CheckIn | None:
    return (
        CheckIn.objects.filter(person=user, venue=venue, day=clock.today()).select_related("coupon").first()
    )
