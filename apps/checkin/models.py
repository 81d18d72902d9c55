"""Check-in (O2O): venues with a reward, a person's check-in (once per venue and day), coupons.

A venue's organiser is whoever created it (any account; the sample merchants own the sample venues).
Counting is done by rows, never by a cached total alone: `VenueDay` is one row per venue and day whose counter
a check-in bumps (its row lock gives each check-in of the day its exact number, so the kiosk's live count is
exact under a rush), and the unique constraint on `CheckIn` (venue, person, day) keeps once-a-day true even when
two taps race.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core import clock


class Venue(models.Model):
    class Reward(models.TextChoices):
        NONE = "none", _("No reward")
        POINTS = "points", _("Points")
        COUPON = "coupon", _("Coupon")
        CASHBACK = "cashback", _("Cashback")

    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="venues")
    name = models.CharField(max_length=60)
    address = models.CharField(max_length=120, blank=True)
    # Where it is on the demo map: a city of apps.nearby.grid and the grid cell (about 500 m square).
    city = models.CharField(max_length=20, blank=True)
    row = models.IntegerField(null=True, blank=True)
    col = models.IntegerField(null=True, blank=True)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField(null=True, blank=True)  # open-ended when empty
    reward = models.CharField(max_length=10, choices=Reward.choices, default=Reward.POINTS)
    # Points per check-in, or cashback in fen; unused for a coupon (its words are `coupon_text`).
    reward_amount = models.PositiveIntegerField(default=0)
    coupon_text = models.CharField(max_length=60, blank=True)
    # Rewards still to give; NULL = no limit. Taken by a conditional UPDATE (rewards_left > 0).
    rewards_left = models.PositiveIntegerField(null=True, blank=True)
    # Bumped to void every poster printed so far (the static code carries it).
    poster_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["organiser", "-id"], name="checkin_venue_organiser")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="checkin_venue_period",
            )
        ]

    def __str__(self):
        return self.name


class VenueDay(models.Model):
    """A venue's check-ins on one day of the app's calendar (China time): the kiosk's count and the chart."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    checkins = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["venue", "day"], name="checkin_one_row_per_venue_day")]

    def __str__(self):
        return f"{self.venue_id} {self.day}: {self.checkins}"


class CheckIn(models.Model):
    class Via(models.TextChoices):
        POSTER = "poster", _("Poster")
        KIOSK = "kiosk", _("Kiosk screen")
        BEACON = "beacon", _("Shake nearby")  # the simulated beacon (apps.checkin.beacon)

    class RewardState(models.TextChoices):
        NONE = "none", _("No reward")
        GIVEN = "given", _("Reward given")
        RAN_OUT = "ran_out", _("Rewards ran out")

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="checkins")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins")
    day = models.DateField()  # clock.today(): the day rolls over at midnight China time
    created_at = models.DateTimeField(default=clock.now)
    via = models.CharField(max_length=6, choices=Via.choices)
    number = models.PositiveIntegerField()  # the venue's n-th check-in of the day
    reward = models.CharField(max_length=10, choices=Venue.Reward.choices, default=Venue.Reward.NONE)
    reward_amount = models.PositiveIntegerField(default=0)
    reward_state = models.CharField(max_length=8, choices=RewardState.choices, default=RewardState.NONE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["venue", "person", "day"], name="checkin_once_per_venue_day")
        ]
        indexes = [
            # The kiosk's latest avatars and the dashboard's check-ins over time, per venue.
            models.Index(fields=["venue", "-created_at"], name="checkin_venue_time"),
            # A person's own check-ins, newest first.
            models.Index(fields=["person", "-created_at"], name="checkin_person_time"),
        ]

    def __str__(self):
        return f"{self.person_id}@{self.venue_id} {self.day}"


def coupon_code() -> str:
    """Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L), easy to read out at a till."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Coupon(models.Model):
    """A check-in's coupon: shown on the person's coupon page, redeemed once by the venue's organiser."""

    checkin = models.OneToOneField(CheckIn, on_delete=models.CASCADE, related_name="coupon")
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="coupons")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coupons")
    code = models.CharField(max_length=10, unique=True, default=coupon_code)
    text = models.CharField(max_length=60)
    created_at = models.DateTimeField(default=clock.now)
    redeemed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["holder", "-id"], name="checkin_coupon_holder")]

    def __str__(self):
        return self.code
