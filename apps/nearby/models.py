"""Who is in People Nearby: one row per person who opted in, holding their grid cell (never a coordinate)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


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
            models.Index(fields=["row", "col"], condition=Q(visible=True), name="nearby_visible_cell"),
            models.Index(fields=["expires_at"], name="nearby_expiry"),
        ]

    def __str__(self):
        return f"{self.user_id} in cell ({self.row}, {self.col})"
