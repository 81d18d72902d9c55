"""People Nearby: opting in (a position snapped to its cell at once), clearing, the sweep, the list, saying hi.

Every rule of the feature is here; views only parse forms. What leaves the server of anyone's position is a
band between cell centres (apps.nearby.grid); moves and looks have per-person budgets in the shared cache, so
nobody can probe faster than the rules allow.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts import services as accounts
from apps.accounts.models import Block, FriendRequest, User
from apps.core import clock, ratelimit
from apps.core.errors import DomainError, NotFound, RateLimited

from . import grid
from .models import LastMove, Presence, ShakeAttempt

PERIODS = {
    "1h": (timedelta(hours=1), gettext_lazy("1 hour")),
    "8h": (timedelta(hours=8), gettext_lazy("8 hours")),
    "3d": (timedelta(days=3), gettext_lazy("3 days")),
}
GENDERS = {"all", "female", "male"}
LIST_SIZE = 50  # people shown at once
ACTIVE_EVERY = timedelta(
    minutes=5
)  # "last active" is refreshed at most this often (one write, not one per look)
DEFAULTS = {
    "NEARBY_MOVES_PER_HOUR": 10,  # position changes a person may make in an hour
    "NEARBY_LOOKS_PER_HOUR": 120,  # People Nearby lists a person may load in an hour
    "NEARBY_MAX_KMH": 300,  # the fastest a claimed position may move (a high-speed train), beyond the jumps
    "NEARBY_JUMPS_PER_DAY": 6,  # moves faster than that allowed a day (a flight; a presenter's demo cities)
}
# A snapped move can look a cell diagonal longer than it was; a step across a cell's edge is never refused.
MOVE_SLACK_M = 2 * grid.CELL_M
# How long the last move is kept for the speed limit (LastMove): 6 h at 300 km/h is 1,800 km, farther than
# any two demo cities in China; after that the next move is free, as after a long flight.
MOVE_MEMORY = timedelta(hours=6)


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def _number(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise DomainError(_("The %(what)s is not a number.") % {"what": what}, code="bad_position")
    return number


def position_from(data) -> tuple[float, float, str]:
    """(lat, lon, place) from a form: the device's position (`lat`, `lon`), or a demo city and a spot on its
    map (`city`, `x`, `y` from 0 to 100). A clear DomainError for anything else."""
    if data.get("source") == "device":
        lat, lon = _number(data.get("lat"), _("latitude")), _number(data.get("lon"), _("longitude"))
        if not (-grid.MAX_LAT <= lat <= grid.MAX_LAT and -180 <= lon <= 180):
            raise DomainError(
                _("That position is outside the map People Nearby covers."), code="bad_position"
            )
        return lat, lon, ""
    city = data.get("city")
    if city not in grid.CITIES:
        raise DomainError(_("Choose a city from the list."), code="bad_city")
    x, y = _number(data.get("x", 50), _("spot")), _number(data.get("y", 50), _("spot"))
    if not (0 <= x <= 100 and 0 <= y <= 100):
        raise DomainError(_("The spot must be on the city's map."), code="bad_position")
    lat, lon = grid.city_spot(city, x, y)
    return lat, lon, city


def presence_put(user: User, cell: grid.Cell, *, place: str, period: str, visible: bool) -> Presence:
    """Put `user` at `cell` (no budget: for location_set and the sample data)."""
    now = clock.now()
    presence, _created = Presence.objects.update_or_create(
        user=user,
        defaults={
            "row": cell.row,
            "col": cell.col,
            "place": place,
            "visible": visible,
            "started_at": now,
            "expires_at": now + PERIODS[period][0],
            "active_at": now,
        },
    )
    return presence


def location_set(
    *, user: User, lat, lon, place: str = "", period: str = "1h", visible: bool = True
) -> Presence:
    """Join People Nearby (or move) at the cell holding (lat, lon), for `period`, listed or invisible.

    The exact position is dropped here: only its cell is stored. Moves have an hourly budget and a speed
    limit (`_speed_check`), so an observer moving their own position cannot search for band edges at will."""
    if period not in PERIODS:
        raise DomainError(_("Choose how long to stay visible."), code="bad_period")
    lat, lon = _number(lat, _("latitude")), _number(lon, _("longitude"))
    if not (-grid.MAX_LAT <= lat <= grid.MAX_LAT and -180 <= lon <= 180):
        raise DomainError(_("That position is outside the map People Nearby covers."), code="bad_position")
    cell = grid.snap(lat, lon)
    del lat, lon  # from here on, only the cell
    limit = setting("NEARBY_MOVES_PER_HOUR")
    verdict = ratelimit.hit(f"nearby-move:{user.pk}", limit=limit, window=3600)
    if not verdict.allowed:
        raise RateLimited(
            _("You can change your location %(n)s times an hour. Please try again later.") % {"n": limit},
            retry_after=verdict.retry_after,
        )
    now = clock.now()
    try:
        with transaction.atomic():
            # The row lock orders one person's concurrent moves: each is checked against the one before
            # it (a first move has no row to lock, and no limit either).
            last = LastMove.objects.select_for_update().filter(user=user, at__gt=now - MOVE_MEMORY).first()
            _speed_check(user, last, cell, now)
            LastMove.objects.update_or_create(
                user=user, defaults={"row": cell.row, "col": cell.col, "at": now}
            )
            return presence_put(
                user, cell, place=place if place in grid.CITIES else "", period=period, visible=visible
            )
    except RateLimited:
        ratelimit.release(verdict)  # a refused move is not a move
        raise


def _speed_check(user: User, last: LastMove | None, cell: grid.Cell, now: datetime) -> None:
    """Refuse a move from the last one (kept MOVE_MEMORY, cleared or not) faster than NEARBY_MAX_KMH, unless
    a jump is left of today's NEARBY_JUMPS_PER_DAY (which it then uses). Any position is a jump's reach, so
    the daily few are all an observer gains from them; the first move, or one after MOVE_MEMORY, is free."""
    if last is None:
        return
    metres = grid.metres_between(grid.Cell(last.row, last.col), cell)
    speed = setting("NEARBY_MAX_KMH") / 3.6  # metres a second
    elapsed = max(0.0, (now - last.at).total_seconds())
    if metres <= MOVE_SLACK_M + speed * elapsed:
        return
    jumps = setting("NEARBY_JUMPS_PER_DAY")
    verdict = ratelimit.hit(f"nearby-jump:{user.pk}", limit=jumps, window=86400)
    if verdict.allowed:
        return
    ratelimit.release(verdict)
    # Whichever comes first: slow enough for the distance, the last move forgotten, or tomorrow's jumps.
    wait = min(
        math.ceil((metres - MOVE_SLACK_M) / speed - elapsed),
        math.ceil((last.at + MOVE_MEMORY - now).total_seconds()),
        verdict.retry_after,
    )
    raise RateLimited(
        _(
            "That is %(km)s km from where you last set your location: faster than %(kmh)s km/h, and today's "
            "%(n)s long jumps (for a flight or a demo city) are used. You can move there in %(wait)s."
        )
        % {
            "km": round(metres / 1000),
            "kmh": setting("NEARBY_MAX_KMH"),
            "n": jumps,
            "wait": timeuntil(now + timedelta(seconds=math.ceil(wait / 60) * 60), now, depth=2),
        },
        retry_after=wait,
    )


def location_clear(*, user: User) -> None:
    """ "Clear my location and leave": gone from People Nearby (and from an open shake) at once. Only the last
    move's cell and time stay (LastMove), for the speed limit, until the sweep forgets them."""
    with transaction.atomic():
        Presence.objects.filter(user=user).delete()
        ShakeAttempt.objects.filter(user=user, state=ShakeAttempt.State.WAITING).update(
            state=ShakeAttempt.State.ALONE, row=None, col=None
        )


def presence_sweep() -> int:
    """Delete every lapsed presence (the periodic job; lists skip them even before it runs) and every last move
    the speed limit no longer needs. The number of presences deleted."""
    now = clock.now()
    LastMove.objects.filter(at__lte=now - MOVE_MEMORY).delete()
    deleted, _per_model = Presence.objects.filter(expires_at__lte=now).delete()
    return deleted


def presence_of(user: User) -> Presence | None:
    """`user`'s presence in People Nearby, if it has not lapsed."""
    return Presence.objects.filter(user=user, expires_at__gt=clock.now()).first()


@dataclass(frozen=True)
class Neighbour:
    user: User
    band: int
    active_at: datetime
    ago: str  # "" within the last minute, else how long ago in one unit ("1 hour", not "1 hour, 10 minutes")

    @property
    def band_label(self):
        return grid.band_label(self.band)


def _tiebreak(pk: int, now: datetime) -> str:
    """A fixed order within a band and a day, unrelated to true distance (list order must not leak it)."""
    return hashlib.sha256(f"{pk}:{clock.calendar(now).date()}".encode()).hexdigest()


def _listed(viewer: User, gender: str, now: datetime):
    blocked = Block.objects.filter(
        Q(blocker=viewer, blocked=OuterRef("user")) | Q(blocker=OuterRef("user"), blocked=viewer)
    )
    # Inactive people by a partial index of the few (accounts' `user_inactive`), not a join to every user in
    # the box: PostgreSQL hashed all 100,000 users for a crowded box (bench_nearby: p50 23.9 → 9.5 ms).
    inactive = User.objects.filter(pk=OuterRef("user_id"), is_active=False)
    people = (
        Presence.objects.filter(visible=True, expires_at__gt=now)
        .exclude(user=viewer)
        .exclude(Exists(blocked))
        .exclude(Exists(inactive))
    )
    if gender != "all":
        people = people.filter(user__gender=gender)
    return people


def _in_box(listed, here: grid.Cell, reach: float, *, limit: int, nearest_first: bool = False) -> dict:
    """{person: (band, metres, presence)} for up to `limit` people per zone in the box around `here` that holds
    every cell within `reach` metres; `nearest_first`: the nearest cells' people (else any)."""
    found = {}
    for rows, first_col, last_col in grid.spans_within(here, reach):
        in_box = listed.filter(row__in=rows, col__range=(first_col, last_col))
        if nearest_first:
            middle = (first_col + last_col) / 2  # the box is centred on `here`, in its zone's columns
            by_cells = (F("row") - here.row) * (F("row") - here.row) + (F("col") - middle) * (
                F("col") - middle
            )
            in_box = in_box.order_by(by_cells, "user_id")
        # The box's nearest `limit` from the presences alone, then only those joined to their people.
        chosen = Presence.objects.filter(user_id__in=in_box.values("user_id")[:limit]).select_related("user")
        for p in chosen:
            cell = grid.Cell(p.row, p.col)
            found[p.user_id] = (grid.band(here, cell), grid.metres_between(here, cell), p)
    return found


def people_near(*, viewer: User, presence: Presence, gender: str = "all") -> list[Neighbour]:
    """Visible people (not lapsed, not blocked either way, of `gender`) by distance band from `viewer`'s
    cell, nearest first; then people farther away, most recently active first. At most LIST_SIZE."""
    if gender not in GENDERS:
        gender = "all"
    limit = setting("NEARBY_LOOKS_PER_HOUR")
    verdict = ratelimit.hit(f"nearby-look:{viewer.pk}", limit=limit, window=3600)
    if not verdict.allowed:
        raise RateLimited(
            _("You have looked around a lot this hour. Please try again later."),
            retry_after=verdict.retry_after,
        )
    now = clock.now()
    here = grid.Cell(presence.row, presence.col)
    if now - presence.active_at > ACTIVE_EVERY:
        Presence.objects.filter(pk=presence.pk).update(active_at=now)
    listed = _listed(viewer, gender, now)
    # The 10 km box, read by the cell index (one query per degree zone it crosses: SQLite would scan the index
    # for an OR of them). Few enough people in it: that is everyone near. A crowd: boxes growing band by band
    # (500 m, 1 km …), nearest cells first, until one holds LIST_SIZE people within its band, who are then the
    # nearest LIST_SIZE (any LIST_SIZE rows of the big box were the rows the index met first, its southern
    # edge: `make bench ONLY=nearby`).
    found = _in_box(listed, here, grid.BANDS[-1][0], limit=LIST_SIZE + 1)
    if len(found) > LIST_SIZE:
        for reach, _label in grid.BANDS:
            found = _in_box(listed, here, reach, limit=LIST_SIZE, nearest_first=True)
            nearest = sorted(metres for _band, metres, _p in found.values())
            if len(nearest) >= LIST_SIZE and nearest[LIST_SIZE - 1] <= reach:
                break  # everyone within `reach` is in this box, so nobody outside it is nearer
    if len(found) < LIST_SIZE:
        farther = listed.exclude(user__in=list(found)).select_related("user").order_by("-active_at")
        for p in farther[: LIST_SIZE - len(found)]:
            cell = grid.Cell(p.row, p.col)
            found[p.user_id] = (grid.band(here, cell), grid.metres_between(here, cell), p)
    ordered = sorted(
        found.values(), key=lambda f: (f[0], 0 if f[0] == grid.FAR else f[1], _tiebreak(f[2].user_id, now))
    )
    return [
        Neighbour(
            p.user,
            band,
            p.active_at,
            "" if now - p.active_at < timedelta(minutes=1) else timesince(p.active_at, now, depth=1),
        )
        for band, _metres, p in ordered[:LIST_SIZE]
    ]


def greet(*, actor: User, public_id: str, message: str = "") -> FriendRequest:
    """ "Say hi" to someone listed in People Nearby: a friend request carrying the greeting (blocks either
    way refuse it, in the accounts service). Only someone visible themselves may greet."""
    now = clock.now()
    mine = presence_of(actor)
    if mine is None or not mine.visible:
        raise DomainError(
            _("Be visible in People Nearby to say hi (you are browsing invisibly)."), code="invisible"
        )
    target = (
        User.objects.filter(public_id=public_id, is_active=True)
        .filter(Exists(Presence.objects.filter(user=OuterRef("pk"), visible=True, expires_at__gt=now)))
        .first()
    )
    if target is None:
        raise NotFound(_("This person is no longer in People Nearby."))
    message = (message if isinstance(message, str) else "").strip()[:60]
    with transaction.atomic():
        return accounts.friend_request_send(
            sender=actor,
            recipient=target,
            message=message or _("Hi! I'm %(name)s, nearby.") % {"name": actor.display_name},
            source=FriendRequest.Source.NEARBY,
        )
