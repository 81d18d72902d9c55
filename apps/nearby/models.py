"""Who is in People Nearby: one row per person who opted in, holding their grid cell (never a coordinate)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .grid import band_label


class Presence(models.Model):
    """Someone in People Nearby until `expires_at` (or until they clear it): listed if `visible`, else
    browsing invisibly. Deleted by the sweep once lapsed, so nothing of where they were is kept."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    row = models.IntegerField()  # the grid cell (apps.nearby.grid): about 500 m square
    col = models.IntegerField()
    place = models.CharField(
        max_length=20, blank=True
    )  # the demo city picked, or "" for the device's position
    visible = models.BooleanField(default=True)
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    active_at = models.DateTimeField()  # last opened People Nearby (shown as "active … ago")

    class Meta:
        indexes = [
            # The list reads a 10 km box by this index. No index on expires_at: SQLite's planner preferred it for
            # the list (reading every unexpired row); the minutely sweep scans the table instead.
            models.Index(fields=["row", "col"], condition=Q(visible=True), name="nearby_visible_cell"),
            # "Far away": the most recently active, walked newest first.
            models.Index(fields=["-active_at"], condition=Q(visible=True), name="nearby_visible_recent"),
        ]

    def __str__(self):
        return f"{self.user_id} in cell ({self.row}, {self.col})"


class LastMove(models.Model):
    """Where someone last set their location (the cell, never coordinates) and when: all the speed limit on
    claimed positions needs (apps.nearby.services.location_set). Apart from Presence so that "clear my
    location and leave" cannot reset the limit; the sweep deletes it once it no longer binds
    (services.MOVE_MEMORY after the move), so nothing of where someone was outlives the rule."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    row = models.IntegerField()
    col = models.IntegerField()
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.user_id} last moved to cell ({self.row}, {self.col})"


class ShakeAttempt(models.Model):
    """One shake: open for a few seconds (until `closes_at`) to be paired with someone else's open shake.

    The matching state lives here, in the database, so every worker process pairs from the same rows (see
    apps.nearby.shake). The cell is kept only while the shake is open, for preferring the nearest."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Looking")
        MATCHED = "matched", _("Matched")
        ALONE = "alone", _("Nobody found")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    row = models.IntegerField(null=True)  # cleared once the shake is over
    col = models.IntegerField(null=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.WAITING)
    created_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    partner = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    band = models.SmallIntegerField(null=True)  # the distance band between the two, for the history

    class Meta:
        constraints = [
            # Nobody shakes twice at once: one open shake per person.
            models.UniqueConstraint(fields=["user"], condition=Q(state="waiting"), name="one_open_shake_each")
        ]
        indexes = [
            models.Index(fields=["closes_at"], condition=Q(state="waiting"), name="shake_open"),
            models.Index(fields=["user", "-created_at"], name="shake_history"),
        ]

    def __str__(self):
        return f"shake #{self.pk} by {self.user_id} ({self.state})"

    def get_band_label(self):
        return band_label(self.band) if self.band is not None else ""
