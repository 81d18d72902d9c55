"""What check-in reports to the presenter's console (apps.core.activity): people checking in at venues (the
person and the venue, as the venue's kiosk shows them)."""

from django.utils.translation import gettext_lazy as _

from apps.core import activity

from .models import CheckIn


def _describe(checkins) -> list[dict]:
    return [
        activity.line(
            "checkin",
            c.created_at,
            _("%(person)s checked in at %(venue)s"),
            person=c.person,
            venue=c.venue.name,
        )
        for c in checkins
    ]


activity.register(
    activity.Source(
        key="checkin",
        label=_("Check-ins"),
        count=CheckIn.objects.count,
        since=lambda cursor: activity.rows_since(
            CheckIn.objects.select_related("person", "venue"), cursor, _describe
        ),
        order=70,
        icon="scan",
    )
)
