"""Shake nearby (WeChat's 摇一摇周边) with a simulated beacon: a browser cannot see Bluetooth beacons, so "near a
venue's beacon" is decided here from what the app knows of where the person is:

- their People Nearby location (a device position or a demo spot, kept as a grid cell by apps.nearby), when
  it is in the venue's area: the venue's cell and the eight cells around it (centres within AREA_M), or
- their session's recent scan of the venue's kiosk code (they stood in front of its screen, services.scan_valid).

A shake finds the nearest open venue in range and gives the person's session a scan of it ("beacon"), so the
venue's page offers "Check in": from there on every rule (once per venue and day, rewards, the organiser's own
venue, the per-person limit) is the check-in services', not re-derived here.
"""

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core import clock, ratelimit
from apps.core.errors import DomainError, RateLimited
from apps.nearby import grid
from apps.nearby.services import presence_of

from . import codes, services
from .models import CheckIn, Venue

AREA_M = 750  # cell centres within this: the venue's cell and its 8 neighbours (707 m diagonally)
DEFAULTS = {"CHECKIN_BEACON_SHAKES_PER_HOUR": 30}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def venue_cell(venue: Venue) -> grid.Cell | None:
    return grid.Cell(venue.row, venue.col) if venue.row is not None and venue.col is not None else None


def in_area(venue: Venue, cell: grid.Cell) -> bool:
    """Whether `cell` is in the venue's area (the beacon's simulated reach)."""
    here = venue_cell(venue)
    return here is not None and grid.metres_between(here, cell) <= AREA_M


def _open_now():
    now = clock.now()
    return Venue.objects.filter(opens_at__lte=now).filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))


def venues_near(cell: grid.Cell) -> list[Venue]:
    """Open venues whose area holds `cell`, the nearest first (one query over the boxes around the cell)."""
    boxes = Q(pk__in=[])
    for rows, first, last in grid.spans_within(cell, AREA_M):
        boxes |= Q(row__in=rows, col__gte=first, col__lte=last)
    found = [v for v in _open_now().filter(boxes) if in_area(v, cell)]
    found.sort(key=lambda v: (grid.metres_between(venue_cell(v), cell), v.pk))
    return found


def shake(*, actor: User, scan: dict | None) -> Venue | None:
    """One shake: the venue whose beacon `actor` is near (the nearest), or None. `scan` is the session's last
    scanned code. Raise RateLimited past the hourly budget, DomainError when the app knows nothing of where
    the person is (with the way to tell it)."""
    limit = setting("CHECKIN_BEACON_SHAKES_PER_HOUR")
    verdict = ratelimit.hit(f"checkin-beacon:{actor.pk}", limit=limit, window=3600)
    if not verdict.allowed:
        raise RateLimited(
            _("You have shaken %(n)s times this hour. Have a rest!") % {"n": limit},
            retry_after=verdict.retry_after,
        )
    if (
        isinstance(scan, dict)
        and scan.get("via") == CheckIn.Via.KIOSK
        and services.scan_valid(scan, scan.get("v"))
    ):
        at_kiosk = _open_now().filter(pk=scan["v"]).first()
        if at_kiosk is not None:
            return at_kiosk
    presence = presence_of(actor)
    if presence is None:
        raise DomainError(
            _("Set your location in People Nearby first (your phone's position or a demo spot)."),
            code="no_location",
        )
    found = venues_near(grid.Cell(presence.row, presence.col))
    return found[0] if found else None


def scan_after(scan: dict | None, venue: Venue) -> dict:
    """What the session keeps after a shake found `venue`: a scan still good for it stays (a kiosk scan keeps
    its way), else a fresh scan "by beacon"."""
    if services.scan_valid(scan, venue.pk):
        return scan
    return services.scan_record(codes.Scanned(venue.pk, CheckIn.Via.BEACON))


def where(actor: User) -> str:
    """Where the app thinks the person is, in words for the page ("" if it doesn't know)."""
    presence = presence_of(actor)
    if presence is None:
        return ""
    if presence.place in grid.CITIES:
        return _("In People Nearby: a spot in %(city)s") % {"city": grid.CITIES[presence.place][0]}
    return _("In People Nearby: your phone's position")
