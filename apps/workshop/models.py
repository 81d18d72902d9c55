from django.conf import settings
from django.db import models


class JoinCode(models.Model):
    """The console's join code: one row. A token carries the version it was made with, so renewing the code
    (version + 1) turns every printed or photographed old one away; closing it turns every one away."""

    version = models.PositiveIntegerField(default=1)
    is_open = models.BooleanField(default=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"join code v{self.version} ({'open' if self.is_open else 'closed'})"


class Attendee(models.Model):
    """A quick account made by joining with the code (no email, no password until its owner sets one)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(db_index=True)
    code_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"attendee {self.user_id}"
