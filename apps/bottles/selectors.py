"""Reads for the beach and "My bottles"."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core import clock

from . import rules
from .models import Bottle, DailyCount

MY_BOTTLES = 50  # the newest shown under "My bottles"

STATES = {
    "drifting": _("Drifting"),
    "held": _("Someone is reading it"),
    "replied": _("Replied"),
    "washed": _("Washed away"),
    "hidden": _("Hidden after a report"),
}


@dataclass(frozen=True)
class Quota:
    throws_left: int
    picks_left: int
    throws_per_day: int
    picks_per_day: int


def quota_of(user: User) -> Quota:
    """Today's throws and picks left (Shanghai's day on the one clock)."""
    row = DailyCount.objects.filter(user=user, day=clock.today()).values_list("throws", "picks").first()
    throws, picks = row or (0, 0)
    throws_per_day = rules.throws_per_day(user)
    picks_per_day = rules.setting("BOTTLE_PICKS_PER_DAY")
    return Quota(
        max(0, throws_per_day - throws), max(0, picks_per_day - picks), throws_per_day, picks_per_day
    )


def state_of(bottle: Bottle, now=None) -> str:
    now = now or clock.now()
    if bottle.hidden_at is not None:
        return "hidden"
    if bottle.replied_at is not None:
        return "replied"
    if bottle.holder_id is not None and bottle.held_until and bottle.held_until > now:
        return "held"
    if bottle.expires_at <= now:
        return "washed"
    return "drifting"


def thrown_by(user: User) -> list[tuple[Bottle, str]]:
    """`user`'s newest bottles with their state (the finder of a replied one in `replied_by`)."""
    now = clock.now()
    bottles = Bottle.objects.filter(thrower=user).select_related("replied_by").order_by("-created_at", "-pk")
    return [(b, state_of(b, now)) for b in bottles[:MY_BOTTLES]]


def replied_by(user: User) -> list[Bottle]:
    """Bottles `user` found and answered (each opened a bottle chat)."""
    return list(
        Bottle.objects.filter(replied_by=user)
        .select_related("thrower")
        .order_by("-replied_at", "-pk")[:MY_BOTTLES]
    )
