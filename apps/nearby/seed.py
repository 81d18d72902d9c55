"""Sample people visible in People Nearby around Shanghai and Anshan, so the list is alive at first start.

Visible for 3 days from each run (running it again refreshes them, so a demo never sees them lapse). Placed
directly at a cell (no move budget: this is the demo's own data)."""

from datetime import timedelta

from django.db import transaction

from apps.accounts.models import User
from apps.accounts.seed import CAST
from apps.core import clock

from . import grid, services
from .models import Presence

# (who, city, spot x, spot y on the city's demo map, minutes since last active)
SPOTS = [
    ("james", "shanghai", 52, 48, 3),
    ("emma", "shanghai", 47, 53, 25),
    ("sophie", "shanghai", 60, 40, 70),
    ("liuyang", "shanghai", 30, 70, 140),
    ("sunli", "shanghai", 85, 20, 300),
    ("zhangmin", "anshan", 50, 50, 10),
    ("zhouxin", "anshan", 55, 45, 45),
]


@transaction.atomic
def seed() -> None:
    people = {u.username: u for u in User.objects.filter(username__in=[p.username for p in CAST])}
    for who, city, x, y, minutes in SPOTS:
        if who not in people:
            continue
        presence = services.presence_put(
            people[who], grid.snap(*grid.city_spot(city, x, y)), place=city, period="3d", visible=True
        )
        Presence.objects.filter(pk=presence.pk).update(active_at=clock.now() - timedelta(minutes=minutes))


def summary() -> list[str]:
    """What `seed_demo` says of People Nearby."""
    return [
        f"People Nearby: {Presence.objects.filter(visible=True).count()} sample people visible around "
        "Shanghai and Anshan for 3 days, Discover → People Nearby",
        "pick the demo location Shanghai (or Anshan) to see them; positions are rounded to 500 m squares",
        "Discover → Shake: two phones visible in People Nearby that shake within the same 4 seconds are paired",
    ]


def unseed() -> None:
    Presence.objects.filter(user__username__in=[p.username for p in CAST]).delete()
