"""Where people are, as far as the app ever knows it: a cell of a fixed grid about 500 m square.

A claimed position is snapped to its cell before anything else happens; only the cell is stored, and every
distance is measured between cell centres and shown as a coarse band. So whatever an observer does (moves
their own position at will, asks many times, compares list orders), what they see depends on the victim's
cell alone: all points of a cell look the same. Fixed cells, not fresh noise per query (which averaging
defeats), and not rounding of the shown distance only (which leaks where the value flips).
"""

import math
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

CELL_M = 500  # the grid's pitch in metres (fixed: moving it would let an observer compare two grids)
EARTH_R = 6_371_000
M_PER_DEG = math.pi * EARTH_R / 180  # metres per degree of latitude
MAX_LAT = 85.0  # cells get too narrow in degrees near the poles

# (upper limit in metres between cell centres, label); beyond the last: far away.
BANDS = [
    (500, _("Within 500 m")),
    (1000, _("Within 1 km")),
    (2000, _("Within 2 km")),
    (5000, _("Within 5 km")),
    (10000, _("Within 10 km")),
]
FAR = len(BANDS)
FAR_LABEL = _("Far away")
SLACK_M = (
    25.0  # neighbouring centres are 500 m apart give or take a few metres (a zone's cells vary in width)
)


@dataclass(frozen=True)
class Cell:
    row: int
    col: int


def _zone(row: int) -> int:
    """The whole degree of latitude `row` lies in: columns line up within a zone, so a row's neighbours are
    straight above and below it."""
    return math.floor(_row_centre_lat(row))


def _col_width_deg(row: int) -> float:
    """Degrees of longitude of a cell in `row`: 500 m at the middle of the row's zone (within 3 % of 500 m
    anywhere in the zone up to 60° of latitude)."""
    return CELL_M / (M_PER_DEG * math.cos(math.radians(_zone(row) + 0.5)))


def _row_centre_lat(row: int) -> float:
    return (row + 0.5) * CELL_M / M_PER_DEG


def row_of(lat: float) -> int:
    return math.floor(lat * M_PER_DEG / CELL_M)


def col_of(row: int, lon: float) -> int:
    return math.floor(lon / _col_width_deg(row))


def snap(lat: float, lon: float) -> Cell:
    """The cell holding (lat, lon): the only thing kept of a position."""
    row = row_of(lat)
    return Cell(row, col_of(row, lon))


def centre(cell: Cell) -> tuple[float, float]:
    return _row_centre_lat(cell.row), (cell.col + 0.5) * _col_width_deg(cell.row)


def metres_between(a: Cell, b: Cell) -> float:
    """Great-circle distance between the two cells' centres."""
    (lat1, lon1), (lat2, lon2) = centre(a), centre(b)
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_R * math.asin(min(1.0, math.sqrt(h)))


def band(a: Cell, b: Cell) -> int:
    """The band (index into BANDS, or FAR) of the distance between two cells."""
    metres = metres_between(a, b)
    for index, (limit, _label) in enumerate(BANDS):
        if metres <= limit + SLACK_M:
            return index
    return FAR


def band_label(index: int):
    return BANDS[index][1] if index < FAR else FAR_LABEL


def spans_within(cell: Cell, metres: float) -> list[tuple[list[int], int, int]]:
    """(rows, first col, last col) boxes holding every cell whose centre may lie within `metres` of `cell`'s
    centre: one box per zone crossed (columns don't line up across zones). Rows as a list: the index on
    (row, col) is then sought row by row, a short range of columns each."""
    lat, lon = centre(cell)
    reach = math.ceil(metres / CELL_M) + 1
    rows = [
        r for r in range(cell.row - reach, cell.row + reach + 1) if abs(_row_centre_lat(r)) <= MAX_LAT + 1
    ]
    dlon = (metres + 2 * CELL_M) / (M_PER_DEG * math.cos(math.radians(min(89.0, abs(lat) + 1))))
    by_zone: dict[int, list[int]] = {}
    for row in rows:
        by_zone.setdefault(_zone(row), []).append(row)
    return [
        (zone_rows, col_of(zone_rows[0], lon - dlon), col_of(zone_rows[0], lon + dlon))
        for zone_rows in by_zone.values()
    ]


# Demo locations for workshops and laptops: a city's centre; a spot is picked within CITY_REACH_M of it.
CITY_REACH_M = 8000
CITIES = {
    "shanghai": (_("Shanghai"), 31.2304, 121.4737),
    "anshan": (_("Anshan"), 41.1087, 122.9946),
    "beijing": (_("Beijing"), 39.9042, 116.4074),
    "hangzhou": (_("Hangzhou"), 30.2741, 120.1551),
    "shenzhen": (_("Shenzhen"), 22.5431, 114.0579),
    "chengdu": (_("Chengdu"), 30.5728, 104.0668),
    "london": (_("London"), 51.5072, -0.1276),
}


def city_spot(city: str, x: float, y: float) -> tuple[float, float]:
    """The point at (x, y) on a city's demo map: 0..100 west to east and north to south."""
    _label, lat, lon = CITIES[city]
    north = (50 - y) / 50 * CITY_REACH_M
    east = (x - 50) / 50 * CITY_REACH_M
    spot_lat = lat + north / M_PER_DEG
    return spot_lat, lon + east / (M_PER_DEG * math.cos(math.radians(spot_lat)))
