"""Every time is shown in the viewer's zone: the browser's, which static/js/timezone.js keeps in a cookie.

A cookie, not a database column: it is read on every request without a query (this middleware runs before the
session and the user are loaded), and a person's phone and laptop each show their own zone, as WeChat does.
Unknown or malformed names fall back to settings.TIME_ZONE.
"""

import zoneinfo
from functools import lru_cache

from django.utils import timezone

TIME_ZONE_COOKIE = "tz"


@lru_cache(maxsize=256)  # bounded: the cookie is the client's to write
def zone_named(name: str) -> zoneinfo.ZoneInfo | None:
    """The IANA zone called `name` ("Europe/London"), or None for anything else."""
    if not name or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # ValueError: a path, not a key
        return None


def viewer_time_zone(get_response):
    """Activate the viewer's zone for the request (Django's templates, `localtime` and `|date` follow it)."""

    def middleware(request):
        zone = zone_named(request.COOKIES.get(TIME_ZONE_COOKIE, ""))
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        return get_response(request)

    return middleware
