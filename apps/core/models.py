"""The kernel's one table: leases, so that one worker process at a time runs each periodic job."""

from django.db import models


class Lease(models.Model):
    """`holder` runs the job `name` until `until` (on the one clock); after that any worker may take it."""

    name = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=200)
    until = models.DateTimeField()

    def __str__(self):
        return f"{self.name} → {self.holder} until {self.until:%H:%M:%S}"


class ClockOffset(models.Model):
    """The presenter's time machine (apps.core.clock.machine_set): one row, seconds ahead of real time (or behind)."""

    seconds = models.FloatField(default=0)

    def __str__(self):
        return f"clock {self.seconds:+.0f} s"
