"""What drift bottles report to the presenter's console (apps.core.activity): bottles thrown and picked,
anonymous as the bottles are (a city at most, never who or what)."""

from django.utils.translation import gettext_lazy as _

from apps.core import activity

from .models import Bottle, Pick


def _thrown(bottles) -> list[dict]:
    return [
        activity.line(
            "bottles", b.created_at, _("A bottle was thrown into the sea from %(city)s"), city=b.city
        )
        if b.city
        else activity.line("bottles", b.created_at, _("A bottle was thrown into the sea"))
        for b in bottles
    ]


def _picked(picks) -> list[dict]:
    return [activity.line("bottles.picked", p.picked_at, _("Someone picked up a bottle")) for p in picks]


activity.register(
    activity.Source(
        key="bottles",
        label=_("Bottles thrown"),
        count=Bottle.objects.count,
        since=lambda cursor: activity.rows_since(Bottle.objects.all(), cursor, _thrown),
        order=30,
        icon="bottle",
    )
)
activity.register(
    activity.Source(
        key="bottles.picked",
        label=_("Bottles picked"),
        count=Pick.objects.count,
        since=lambda cursor: activity.rows_since(Pick.objects.all(), cursor, _picked),
        order=31,
        icon="bottle",
    )
)
