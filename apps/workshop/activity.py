"""What joining reports to the console (apps.core.activity): the join count and "… joined" lines. The console
shows this source in its join panel, beside the code, rather than among the feature counters."""

from django.utils.translation import gettext_lazy as _

from apps.core import activity

from .models import Attendee

JOINS = "workshop.joins"


def _describe(rows) -> list[dict]:
    return [activity.line(JOINS, a.joined_at, _("%(who)s joined the workshop"), who=a.user) for a in rows]


activity.register(
    activity.Source(
        key=JOINS,
        label=_("People joined"),
        count=Attendee.objects.count,
        since=lambda cursor: activity.rows_since(Attendee.objects.select_related("user"), cursor, _describe),
        order=1,
        icon="contacts",
    )
)
