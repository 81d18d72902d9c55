"""Drift bottles: a short message drifting in a shared sea, picked by one stranger at a time.

Picking is random without `ORDER BY RANDOM()`: each bottle in the sea carries a random `spot`, and a pick
walks the partial index of the sea's spots from a random point (apps.bottles.services.picking).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MAX_TEXT = 200
SPOTS = 2**31 - 1  # a bottle's spot in the sea is a random integer in [0, SPOTS)


class Bottle(models.Model):
    thrower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("message"), max_length=MAX_TEXT)
    city = models.CharField(_("city"), max_length=60, blank=True)  # the thrower's region label, never finer
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()  # washes away then: can no longer be picked
    # Pickable now: drifting, not expired (the sweep turns it off), not held, not replied, not hidden.
    in_sea = models.BooleanField(default=True)
    spot = models.IntegerField()
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    held_until = models.DateTimeField(null=True, blank=True)  # unanswered by then: back to the sea
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    reply = models.CharField(max_length=MAX_TEXT, blank=True)  # the finder's first words, for "My bottles"
    conversation = models.ForeignKey(
        "chat.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)  # reported (or hidden by a moderator)

    class Meta:
        indexes = [
            # The sea: only pickable bottles, ordered by their random spot.
            models.Index(fields=["spot"], condition=Q(in_sea=True), name="bottle_sea_spot"),
            models.Index(fields=["thrower", "-created_at"], name="bottle_by_thrower"),
            models.Index(fields=["holder", "held_until"], name="bottle_held"),
            models.Index(fields=["expires_at"], condition=Q(in_sea=True), name="bottle_sea_expiry"),
        ]

    def __str__(self):
        return f"bottle #{self.pk} by {self.thrower_id}"


class Pick(models.Model):
    """Someone brought this bottle up once (they never get it again)."""

    class Outcome(models.TextChoices):
        HELD = "held", _("In hand")
        THROWN_BACK = "thrown_back", _("Thrown back")
        RETURNED = "returned", _("Drifted back")
        REPLIED = "replied", _("Replied")
        REPORTED = "reported", _("Reported")

    picker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    bottle = models.ForeignKey(Bottle, on_delete=models.CASCADE, related_name="picks")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.HELD)
    picked_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["picker", "bottle"], name="pick_a_bottle_once")]

    def __str__(self):
        return f"{self.picker_id} picked {self.bottle_id}"


class DailyCount(models.Model):
    """Throws and picks of one person on one day (Shanghai's calendar, on the one clock)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    throws = models.PositiveIntegerField(default=0)
    picks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_bottle_count_a_day")]

    def __str__(self):
        return f"{self.user_id} on {self.day}: {self.throws} thrown, {self.picks} picked"


class Report(models.Model):
    """A bottle reported by someone who picked it: hidden at once, then judged in the admin."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        UPHELD = "upheld", _("Kept hidden")
        RESTORED = "restored", _("Put back in the sea")

    bottle = models.ForeignKey(Bottle, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bottle", "reporter"], name="report_a_bottle_once")]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"report on bottle #{self.bottle_id}"
