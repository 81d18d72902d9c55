"""What the wallet reports to the presenter's console (apps.core.activity): red-packet grabs and Best luck."""

from django.utils.translation import gettext_lazy as _

from apps.core import activity

from .models import Grab, RedPacket
from .money import yuan

BEST_LUCK_PACKETS = 3  # the latest lucky packets all grabbed, each with its luckiest grab


def _grabs():
    return Grab.objects.select_related("user", "packet__sender")


def _describe(grabs) -> list[dict]:
    return [
        activity.line(
            "packets",
            g.created_at,
            _("%(who)s grabbed %(amount)s from %(sender)s's red packet"),
            who=g.user,
            amount=yuan(g.amount),
            sender=g.packet.sender,
        )
        for g in grabs
    ]


def _best_luck() -> list[dict]:
    packets = RedPacket.objects.filter(
        kind=RedPacket.Kind.LUCKY, status=RedPacket.Status.EMPTY, count__gt=1
    ).order_by("-finished_at", "-pk")[:BEST_LUCK_PACKETS]
    rows = []
    for packet in packets.select_related("sender"):
        best = packet.grabs.select_related("user").order_by("-amount", "index").first()
        if best is not None:
            rows.append(
                {
                    "text": activity.text(
                        _("%(who)s, in %(sender)s's packet"), who=best.user, sender=packet.sender
                    ),
                    "value": yuan(best.amount),
                }
            )
    return rows


activity.register(
    activity.Source(
        key="packets",
        label=_("Red packets grabbed"),
        count=Grab.objects.count,
        since=lambda cursor: activity.rows_since(_grabs(), cursor, _describe),
        order=50,
        icon="redpacket",
    )
)
activity.register(activity.Board(key="wallet.best_luck", label=_("Best luck"), read=_best_luck, order=20))
