"""Issue #12's attacker, as the issue states it: 5 accounts that set their positions at will within the rules
(10 moves an hour, the speed limit, 120 lists an hour: the one clock is advanced whenever a rule says wait)
make 1,000 People Nearby queries in all, through the real services, and estimate where each of 200 victims
is, by trilateration, by searching for band boundaries, by averaging repeated queries and by bisecting on
list order. What they see is what the page shows: each person's band, in list order.

The attacker knows the algorithm (apps.nearby.grid is public): the strongest strategies keep, for each
victim, every grid cell consistent with all they saw (which always holds the victim's true cell: asserted)
and guess the centre of what is left. The grid is all they can learn: see test_privacy.py.
"""

import functools
import math
import random
from collections import Counter
from datetime import timedelta
from statistics import mean, median

from apps.accounts.models import User
from apps.core import clock
from apps.core.errors import RateLimited
from apps.nearby import grid, services

SEED = 12
CITIES = ("shanghai", "anshan")
VICTIMS = 200
QUERIES = 1000
SURVEY_STEP = 2000  # metres between the survey's probes: a 9 x 9 lattice over each city's 16 km map
REPEATS = 19  # survey lists asked again at once, per city
ORDER_LOOKS = 100  # per city: 9 viewer spots, markers moved between looks
# Band midpoints (metres) for the textbook trilateration; "far away" gives no distance.
MIDPOINT = {0: 300, 1: 775, 2: 1500, 3: 3500, 4: 7500}


@functools.cache
def _band(probe: grid.Cell, cell: grid.Cell) -> int:
    return grid.band(probe, cell)


@functools.cache
def _centre(cell: grid.Cell) -> tuple[float, float]:
    return grid.centre(cell)


@functools.cache
def _metres(a: grid.Cell, b: grid.Cell) -> float:
    return grid.metres_between(a, b)


def _xy(city, lat, lon):
    """Metres east and north of the city's centre (flat: the map is 16 km across)."""
    _label, lat0, lon0 = grid.CITIES[city]
    return (lon - lon0) * grid.M_PER_DEG * math.cos(math.radians(lat0)), (lat - lat0) * grid.M_PER_DEG


def _latlon(city, x, y):
    _label, lat0, lon0 = grid.CITIES[city]
    return lat0 + y / grid.M_PER_DEG, lon0 + x / (grid.M_PER_DEG * math.cos(math.radians(lat0)))


def _error_m(truth, guess) -> float:
    (lat, lon), (glat, glon) = truth, guess
    return math.hypot(
        (lat - glat) * grid.M_PER_DEG, (lon - glon) * grid.M_PER_DEG * math.cos(math.radians(lat))
    )


def _centroid(cells) -> tuple[float, float]:
    centres = [_centre(c) for c in cells]
    return mean(c[0] for c in centres), mean(c[1] for c in centres)


class Attacker:
    """Five accounts moved and looked through the real services; waits (advancing the clock) when a rule says
    so, and paces its own moves under the speed limit rather than spend a jump on them."""

    def __init__(self, accounts):
        self.accounts = accounts
        self.mine = {a.public_id for a in accounts}
        self.at: dict[int, tuple[grid.Cell, object]] = {}  # account -> (cell, when) of its last move
        self.looks = self.moves = self.refusals = 0

    def _obey(self, action):
        while True:
            try:
                return action()
            except RateLimited as refused:
                self.refusals += 1
                clock.advance(timedelta(seconds=refused.retry_after + 1))

    def move(self, account, cell: grid.Cell, *, jump: bool = False):
        last = self.at.get(account.pk)
        if last and not jump:
            speed = services.setting("NEARBY_MAX_KMH") / 3.6
            ready = last[1] + timedelta(
                seconds=max(0.0, (_metres(last[0], cell) - services.MOVE_SLACK_M) / speed) + 1
            )
            if ready > clock.now():
                clock.advance(ready - clock.now())
        lat, lon = _centre(cell)  # any point of the cell would do: only the cell is kept
        self._obey(lambda: services.location_set(user=account, lat=lat, lon=lon, period="3d"))
        self.at[account.pk] = (cell, clock.now())
        self.moves += 1

    def look(self, account) -> list[tuple[str, int]]:
        """The list `account` sees: (public id, band) in the page's order."""
        presence = services.presence_of(account)
        people = self._obey(lambda: services.people_near(viewer=account, presence=presence))
        self.looks += 1
        return [(n.user.public_id, n.band) for n in people]


class Knowledge:
    """What one strategy knows of each victim: the cells still possible (None: not placed yet)."""

    START_BAND = 2  # the cells within a band up to 2 km of a probe start the set (a few dozen cells)

    def __init__(self):
        self.cells: dict[str, set[grid.Cell] | None] = {}
        self.pending: dict[str, list] = {}  # wider bands seen before, applied once the set starts

    def band(self, victim: str, probe: grid.Cell, band: int):
        cells = self.cells.get(victim)
        if cells is None:
            if band > self.START_BAND:
                self.pending.setdefault(victim, []).append((probe, band))
                return
            reach = math.ceil((grid.BANDS[band][0] + grid.SLACK_M) / grid.CELL_M) + 1
            cells = {
                grid.Cell(probe.row + dr, probe.col + dc)
                for dr in range(-reach, reach + 1)
                for dc in range(-reach, reach + 1)
            }
            for earlier, wider in self.pending.pop(victim, []):
                cells = {c for c in cells if _band(earlier, c) == wider}
        self.cells[victim] = {c for c in cells if _band(probe, c) == band}

    def order(self, victim: str, viewer: grid.Cell, marker: tuple[int, float], before: bool):
        """Listed before a marker (one of the attacker's own accounts, its cell known): its (band, distance)
        no greater, else no smaller (ties go by a daily hash). "Far away" is not sorted by distance."""
        cells = self.cells.get(victim)
        if cells is not None:
            self.cells[victim] = {
                c for c in cells if (_key(viewer, c) <= marker if before else _key(viewer, c) >= marker)
            }


def _key(viewer: grid.Cell, cell: grid.Cell) -> tuple[int, float]:
    """Where `cell` sorts in `viewer`'s list (before the daily hash), to the millimetre."""
    band = _band(viewer, cell)
    return band, 0.0 if band == grid.FAR else round(_metres(viewer, cell), 3)


def _trilaterate(observations) -> tuple[float, float]:
    """Least squares on band midpoints from the claimed positions (x, y, band), by Gauss-Newton."""
    near = [(x, y, MIDPOINT[b]) for x, y, b in observations if b in MIDPOINT]
    weights = [1 / r**2 for _x, _y, r in near]
    ex = sum(w * x for w, (x, _y, _r) in zip(weights, near, strict=True)) / sum(weights)
    ey = sum(w * y for w, (_x, y, _r) in zip(weights, near, strict=True)) / sum(weights)
    for _step in range(30):
        a = b = c = gx = gy = 0.0
        for w, (x, y, r) in zip(weights, near, strict=True):
            d = max(1.0, math.hypot(ex - x, ey - y))
            jx, jy, res = (ex - x) / d, (ey - y) / d, d - r
            a, b, c = a + w * jx * jx, b + w * jx * jy, c + w * jy * jy
            gx, gy = gx + w * jx * res, gy + w * jy * res
        det = a * c - b * b
        if abs(det) < 1e-12:
            break
        dx, dy = (c * gx - b * gy) / det, (a * gy - b * gx) / det
        ex, ey = ex - dx, ey - dy
        if math.hypot(dx, dy) < 0.5:
            break
    return ex, ey


def _figures(errors) -> tuple[float, float]:
    return mean(errors), sum(e <= 50 for e in errors) / len(errors)


def test_an_attacker_with_5_accounts_and_1000_queries_cannot_locate_200_victims_better_than_their_cells(
    db, window_start
):
    """Figures reached (seed 12; the same on SQLite and PostgreSQL), mean error and share within 50 m:

    - trilateration on band midpoints (least squares, 81 survey lists a city): 266 m, 2.0 %
    - the same survey reasoned on the public grid: 197 m, 4.5 % (181 victims pinned to one cell)
    - averaging (the repeated lists are identical; the mean of the probes in the nearest band): 438 m, 2.5 %
    - band boundary search (300 lists a city): 179.5 m, 5.0 % (all 200 pinned to their cell)
    - bisecting on list order (100 lists a city, markers moved between them): 286 m, 2.5 % (65 pinned)
    - all 1,000 lists combined: 179.5 m, 5.0 % (10 of 200), exactly the centre of each victim's true cell.

    So the attacker learns every victim's cell and nothing finer: the figure is then this sample's distance
    from cell centres (the long run is 192 m and 3.3 %: the test below). The bound (issue #12): no better than
    175 m on average, within 50 m for at most 5 % of the 200. 1,000 lists and 644 moves take 14.3 hours of
    the clock within the budgets. (List order among ties follows a daily hash: the order bisection's figure
    may move slightly with the day the test runs on.) A 250 m grid instead: 94 m and 12.5 %, and this fails.
    """
    rng = random.Random(SEED)
    truth = {}  # public id -> (city, lat, lon)
    for i in range(VICTIMS):
        city = rng.choice(CITIES)
        truth[f"victim{i:03d}"] = (city, *grid.city_spot(city, rng.uniform(0, 100), rng.uniform(0, 100)))
    User.objects.bulk_create(
        [User(username=pid, public_id=pid, display_name=f"Victim {pid[6:]}") for pid in truth]
        + [User(username=f"attacker{k}", public_id=f"attacker{k}", display_name=f"A{k}") for k in range(5)]
    )
    for user in User.objects.filter(username__startswith="victim"):
        _city, lat, lon = truth[user.public_id]
        services.location_set(user=user, lat=lat, lon=lon, period="3d")
    accounts = list(User.objects.filter(username__startswith="attacker").order_by("username"))
    attacker = Attacker(accounts)
    mine = {a.public_id: a for a in accounts}
    started = clock.now()

    # What each grid-aware strategy knows, from its own queries only; "all" combines every query.
    know = {s: Knowledge() for s in ("survey", "boundary", "order", "all")}
    survey_seen: dict[str, list] = {pid: [] for pid in truth}  # (x, y, band) from survey probes
    every_seen: dict[str, list] = {pid: [] for pid in truth}  # (x, y, band) from every look
    repeats_identical = []

    def record(city, viewer, listing, into):
        """Apply one list to the strategies in `into` (bands; and, for 'all' and 'order', the order of each
        victim against the attacker's own accounts listed, whose cells the attacker knows)."""
        here = attacker.at[viewer.pk][0]
        x, y = _xy(city, *_centre(here))
        index = {pid: i for i, (pid, _band) in enumerate(listing)}
        markers = [(index[pid], _key(here, attacker.at[a.pk][0])) for pid, a in mine.items() if pid in index]
        for pid, band in listing:
            if pid in mine or truth[pid][0] != city:
                continue
            every_seen[pid].append((x, y, band))
            for strategy in into:
                know[strategy].band(pid, here, band)
                if strategy in ("order", "all"):
                    for at, key in markers:
                        know[strategy].order(pid, here, key, index[pid] < at)

    for number, city in enumerate(CITIES):
        budget = QUERIES // len(CITIES)
        looks_before = attacker.looks

        def lattice(step, reach, city=city):
            spots = [v for v in range(-reach, reach + 1, step)]
            snake = [(x, y if i % 2 == 0 else -y) for i, x in enumerate(spots) for y in spots]
            return [grid.snap(*_latlon(city, x, y)) for x, y in snake]

        if number:  # every account to the next city: one of the day's jumps each
            for account in accounts:
                attacker.move(account, grid.snap(*_latlon(city, 0, 0)), jump=True)

        # 1. Trilateration survey: a lattice of probes, each account walking its own stretch of it; the first
        #    lists asked twice (averaging repeated queries: the answers are identical, nothing to average out).
        probes = lattice(SURVEY_STEP, 8000)
        stretch = math.ceil(len(probes) / len(accounts))
        walks = [probes[k * stretch : (k + 1) * stretch] for k in range(len(accounts))]
        repeats = 0
        for i in range(stretch):
            for account, walk in zip(accounts, walks, strict=True):
                if i < len(walk):
                    attacker.move(account, walk[i])
                    listing = attacker.look(account)
                    record(city, account, listing, ("survey", "all"))
                    here = attacker.at[account.pk][0]
                    for pid, band in listing:
                        if pid not in mine and truth[pid][0] == city:
                            survey_seen[pid].append((*_xy(city, *_centre(here)), band))
                    if repeats < REPEATS:
                        repeats += 1
                        again = attacker.look(account)
                        repeats_identical.append(again == listing)
                        record(city, account, again, ("survey", "all"))

        # 2. Bisecting on list order: a viewer at 9 spots; two of the other accounts (markers) moved between
        #    looks to the distances that best split what is left of the listed victims' distances.
        viewer, markers = accounts[0], accounts[1:]
        spots = lattice(5333, 5333)
        for s, spot in enumerate(spots):
            attacker.move(viewer, spot)
            rounds = ORDER_LOOKS // len(spots) + (s < ORDER_LOOKS % len(spots))
            offsets = sorted(
                (_metres(spot, grid.Cell(spot.row + dr, spot.col + dc)), dr, dc)
                for dr in range(-16, 17)
                for dc in range(-16, 17)
                if dr or dc
            )
            for r in range(rounds):
                listing = attacker.look(viewer)
                record(city, viewer, listing, ("order", "all"))
                if r == rounds - 1:
                    break
                medians = sorted(
                    median(_metres(spot, c) for c in cells)
                    for pid, _band in listing
                    if pid not in mine
                    and truth[pid][0] == city
                    and (cells := know["order"].cells.get(pid))
                    and len({round(_metres(spot, c), 3) for c in cells}) > 1
                )
                if not medians:
                    continue
                pair = markers[2 * (r % 2) : 2 * (r % 2) + 2]
                for k, marker in enumerate(pair):
                    target = medians[len(medians) * (k + 1) // 3]
                    _m, dr, dc = min(offsets, key=lambda o, t=target: abs(o[0] - t))
                    attacker.move(marker, grid.Cell(spot.row + dr, spot.col + dc))

        # 3. Searching for band boundaries, from nothing but the trilateration's guesses: probe at a victim's
        #    guess first, then, for the victim with the most cells left, at the cell whose band edges split them
        #    most evenly; every list seen narrows everyone in it.
        turn = 0
        while attacker.looks - looks_before < budget:
            open_ = [
                (math.inf if cells is None else len(cells), pid)
                for pid, (c, _lat, _lon) in truth.items()
                if c == city and ((cells := know["boundary"].cells.get(pid)) is None or len(cells) > 1)
            ]
            account = accounts[turn % len(accounts)]
            turn += 1
            if not open_:  # everyone pinned to one cell: the rest of the budget on asking again
                record(city, account, attacker.look(account), ("boundary", "all"))
                continue
            size, pid = max(open_)
            if size == math.inf:
                attacker.move(account, grid.snap(*_latlon(city, *_trilaterate(survey_seen[pid]))))
                record(city, account, attacker.look(account), ("boundary", "all"))
                continue
            cells = know["boundary"].cells[pid]
            rows, cols = [c.row for c in cells], [c.col for c in cells]
            probe = min(
                (
                    grid.Cell(r, c)
                    for r in range(min(rows) - 3, max(rows) + 4)
                    for c in range(min(cols) - 3, max(cols) + 4)
                ),
                key=lambda p, cells=cells: max(Counter(_band(p, c) for c in cells).values()),
            )
            attacker.move(account, probe)
            record(city, account, attacker.look(account), ("boundary", "all"))

    assert attacker.looks == QUERIES
    assert all(repeats_identical) and len(repeats_identical) == REPEATS * len(CITIES)
    hours = (clock.now() - started) / timedelta(hours=1)
    assert hours < 72  # every victim stayed visible throughout (3 days)

    # The estimates.
    names = {
        "trilateration": "trilateration (band midpoints)",
        "survey": "trilateration (on the grid)",
        "averaging": "averaging (nearest-band probes)",
        "boundary": "band boundary search",
        "order": "bisecting on list order",
        "all": "all queries combined",
    }
    estimates: dict[str, dict[str, tuple[float, float]]] = {name: {} for name in names}
    for pid, (city, lat, lon) in truth.items():
        assert survey_seen[pid], "the survey listed every victim"
        fallback = estimates["trilateration"][pid] = _latlon(city, *_trilaterate(survey_seen[pid]))
        nearest = min(b for _x, _y, b in every_seen[pid])
        near = [(x, y) for x, y, b in every_seen[pid] if b == nearest]
        estimates["averaging"][pid] = _latlon(city, mean(x for x, _y in near), mean(y for _x, y in near))
        for strategy, knowledge in know.items():
            cells = knowledge.cells.get(pid)
            if cells is None:  # never listed by this strategy's queries: its guess is the trilateration's
                estimates[strategy][pid] = fallback
                continue
            assert grid.snap(lat, lon) in cells, (strategy, pid)  # sound reasoning: the true cell is kept
            estimates[strategy][pid] = _centroid(cells)
    figures = {
        names[name]: _figures([_error_m(truth[pid][1:], guess) for pid, guess in guesses.items()])
        for name, guesses in estimates.items()
    }
    oracle = _figures([_error_m(t[1:], _centre(grid.snap(*t[1:]))) for t in truth.values()])
    print(
        f"\n{attacker.looks} looks, {attacker.moves} moves, {attacker.refusals} refusals waited out, "
        f"{hours:.1f} h of clock"
    )
    for name, (error, close) in figures.items():
        key = next(k for k, v in names.items() if v == name)
        pinned = sum(len(know[key].cells.get(pid) or ()) == 1 for pid in truth) if key in know else "-"
        print(f"{name:32} mean error {error:6.1f} m, within 50 m: {close:5.1%}; pinned to a cell: {pinned}")
    print(
        f"{'cell centre (knowing the cell)':32} mean error {oracle[0]:6.1f} m, within 50 m: {oracle[1]:5.1%}"
    )
    for name, (error, close) in figures.items():
        assert error >= 175, (name, figures)
        assert close <= 0.05, (name, figures)


def test_in_the_long_run_knowing_the_cell_exactly_is_off_by_about_190_m():
    """The attacker above ends at the cell centre; 200 victims are a sample. For 20,000 victims at random in
    Shanghai and Anshan (seed 12) the centre of the true cell is off by 192 m on average and within 50 m for
    3.3 % (a 500 m square: about 191 m and pi 50² / 500² = 3.1 %)."""
    rng = random.Random(SEED)
    errors = []
    for _victim in range(20_000):
        lat, lon = grid.city_spot(rng.choice(CITIES), rng.uniform(0, 100), rng.uniform(0, 100))
        errors.append(_error_m((lat, lon), _centre(grid.snap(lat, lon))))
    error, close = _figures(errors)
    assert 185 <= error <= 200 and 0.02 <= close <= 0.04, (error, close)
