"""The organiser's dashboard of a venue: check-ins per day (a server-made SVG chart), visitors, rewards, budget,
and the CSV export.

Every figure is aggregated by the database in a fixed number of statements, whatever the venue's history: the
chart reads the per-day counters (`VenueDay`, one row per day), the totals one aggregate over `CheckIn`, the
repeat visitors one grouped count. The export streams its rows; every text cell is neutralised so a spreadsheet
never runs a visitor's name as a formula (OWASP "CSV injection").
"""

import csv
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import clock

from .models import CheckIn, Venue, VenueDay

DAYS = 30  # the chart's span, today included
# The chart's geometry, in SVG user units (the viewBox scales it to the page's width).
WIDTH, HEIGHT = 320, 172
LEFT, RIGHT, TOP, BOTTOM = 26, 6, 10, 26
TICK_EVERY = 7  # a day label on today and every week before it


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float
    centre: float
    label: str  # "11/30": short, the same in both languages
    tick: bool  # the day axis shows this bar's label


def days(venue: Venue, *, span: int = DAYS) -> list[tuple[date, int]]:
    """(day, check-ins) for the last `span` days of the app's calendar, oldest first, zero days included."""
    today = clock.today()
    first = today - timedelta(days=span - 1)
    counts = dict(
        VenueDay.objects.filter(venue=venue, day__gte=first, day__lte=today).values_list("day", "checkins")
    )
    return [(first + timedelta(days=n), counts.get(first + timedelta(days=n), 0)) for n in range(span)]


def totals(venue: Venue) -> dict:
    """Since the venue opened: check-ins, unique visitors, repeat visitors (checked in on two days or more),
    rewards given and refused for want of budget, and the budget left (None: no limit). Two statements."""
    rows = CheckIn.objects.filter(venue=venue)
    figures = rows.aggregate(
        checkins=Count("id"),
        visitors=Count("person", distinct=True),
        rewards=Count("id", filter=Q(reward_state=CheckIn.RewardState.GIVEN)),
        ran_out=Count("id", filter=Q(reward_state=CheckIn.RewardState.RAN_OUT)),
    )
    figures["repeat"] = rows.values("person").annotate(n=Count("id")).filter(n__gte=2).count()
    figures["budget_left"] = venue.rewards_left
    return figures


def _nice_top(value: int) -> int:
    """The y axis's top: the first of 4, 6, 10, 20, 40, 60, 100, 200, ... at or above `value` (its half is a
    round gridline too)."""
    magnitude = 1
    while True:
        for step in (4, 6, 10):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10
        if 2 * magnitude >= value:
            return 2 * magnitude


def chart(series: list[tuple[date, int]]) -> dict:
    """The bars, gridlines and words of the check-ins chart, for templates/checkin/dashboard.html."""
    peak = max((n for _d, n in series), default=0)
    top = _nice_top(peak)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(series))
    bars = []
    for index, (day, count) in enumerate(series):
        height = plot_h * count / top
        x = LEFT + index * slot + slot * 0.15
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(x, 2),
                y=round(TOP + plot_h - height, 2),
                width=round(slot * 0.7, 2),
                height=round(height, 2),
                centre=round(x + slot * 0.35, 2),
                label=f"{day.month}/{day.day}",
                tick=(len(series) - 1 - index) % TICK_EVERY == 0,
            )
        )
    grid = [{"value": v, "y": round(TOP + plot_h - plot_h * v / top, 2)} for v in (0, top // 2, top)]
    total = sum(n for _d, n in series)
    busiest = max(series, key=lambda item: item[1]) if series and peak else None
    if busiest:
        summary = _(
            "%(total)s check-ins in the last %(days)s days; the busiest day was %(day)s with %(n)s."
        ) % {
            "total": total,
            "days": len(series),
            "day": busiest[0].isoformat(),
            "n": busiest[1],
        }
    else:
        summary = _("No check-ins in the last %(days)s days.") % {"days": len(series)}
    return {
        "bars": bars,
        "grid": grid,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "y_label_x": LEFT - 4,
        "right": WIDTH - RIGHT,
        "base": TOP + plot_h,
        "tick_end": TOP + plot_h + 4,
        "label_y": HEIGHT - 8,
        "total": total,
        "summary": summary,
    }


# --- The CSV export -----------------------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula gets a leading apostrophe (OWASP)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def csv_rows(venue: Venue):
    """The venue's check-ins as CSV lines, newest first, streamed (a BOM first, so spreadsheets read UTF-8)."""
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    yield "\ufeff"
    yield writer.writerow(
        [
            _("Date"),
            _("Time"),
            _("Number that day"),
            _("Visitor"),
            _("Username"),
            _("Way"),
            _("Reward"),
            _("Reward state"),
        ]
    )
    vias, states = dict(CheckIn.Via.choices), dict(CheckIn.RewardState.choices)
    rewards = dict(Venue.Reward.choices)
    rows = (
        CheckIn.objects.filter(venue=venue)
        .select_related("person")
        .order_by("-created_at")
        .only(
            "day",
            "created_at",
            "number",
            "via",
            "reward",
            "reward_state",
            "person__display_name",
            "person__username",
        )
    )
    for row in rows.iterator(chunk_size=500):
        moment = timezone.localtime(row.created_at, clock.calendar().tzinfo)
        cells = [
            row.day.isoformat(),
            moment.strftime("%H:%M"),
            row.number,
            row.person.display_name,
            row.person.username,
            vias.get(row.via, row.via),
            rewards.get(row.reward, row.reward),
            states.get(row.reward_state, row.reward_state),
        ]
        yield writer.writerow([safe_cell(c) for c in cells])


def csv_filename(venue: Venue) -> str:
    return f"checkins-venue-{venue.pk}-{clock.today().isoformat()}.csv"
