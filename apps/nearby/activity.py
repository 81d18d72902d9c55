"""What Shake reports to the presenter's console (apps.core.activity): pairs matched by shaking.

A pair is two attempts that name each other; the later one (the higher id) stands for the pair. The cursor
moves over matched rows only, so a shake still looking when the console reads is not skipped."""

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from apps.core import activity

from .models import ShakeAttempt


def _pairs():
    return ShakeAttempt.objects.filter(
        state=ShakeAttempt.State.MATCHED, partner_id__lt=F("pk")
    ).select_related("user", "partner__user")


def _describe(attempts) -> list[dict]:
    return [
        activity.line(
            "shake",
            a.created_at,
            _("%(one)s and %(other)s found each other by shaking"),
            one=a.user,
            other=a.partner.user,
        )
        for a in attempts
    ]


activity.register(
    activity.Source(
        key="shake",
        label=_("Shakes matched"),
        count=lambda: _pairs().count(),
        since=lambda cursor: activity.rows_since(_pairs(), cursor, _describe),
        order=40,
        icon="like",
    )
)
