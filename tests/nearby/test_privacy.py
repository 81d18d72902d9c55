"""The part that must not fail: what anyone can learn of a person's position is their 500 m cell, no finer.

The attacker plays by the rules (their own position moved at will within the hourly budget, the list read
after every move, through the real pages) and then keeps every victim position consistent with all they saw.
The algorithm is public (grid.py), so they may use it to predict the bands: the set left is still the
victim's whole cell."""

import math
import re
from datetime import timedelta

from apps.core import clock
from apps.nearby import grid, handlers, services
from apps.nearby.models import Presence

VICTIM = (31.23391, 121.47623)  # somewhere near People's Square, not on any cell's edge or centre


def _offset(point, east_m, north_m):
    lat, lon = point
    return lat + north_m / grid.M_PER_DEG, lon + east_m / (grid.M_PER_DEG * math.cos(math.radians(lat)))


def _band_seen(page: str, name: str) -> str | None:
    """The band shown next to `name` on the People Nearby page, read as a person would."""
    for row in page.split('data-testid="nearby-person"')[1:]:
        if name in row:
            return re.search(r'data-testid="band">([^<]+)<', row).group(1)
    return None


def test_an_attacker_moving_at_will_cannot_locate_anyone_more_precisely_than_their_cell(
    tom, emma, client_as, settings, window_start
):
    services.location_set(user=emma, lat=VICTIM[0], lon=VICTIM[1], period="3d")
    budget = settings.NEARBY_MOVES_PER_HOUR
    # Probes on rings around the victim, where the band edges are (the attacker would bisect on them).
    probes = [
        _offset(VICTIM, r * math.cos(a), r * math.sin(a))
        for r in (150, 400, 600, 800, 1100, 1500, 2100)
        for a in [k * math.pi / 6 + r / 1000 for k in range(12)]
    ]
    client = client_as(tom)
    observed = []
    for number, (lat, lon) in enumerate(probes):
        if number and number % budget == 0:
            clock.advance(timedelta(hours=1) - timedelta(minutes=budget))  # the next hour's budget
        clock.advance(
            timedelta(minutes=1)
        )  # up to 5 km at the speed limit: any two probes (the victim stays 3 days)
        response = client.post(
            "/nearby/location/",
            {"source": "device", "lat": lat, "lon": lon, "period": "8h", "mode": "visible"},
        )
        assert response.status_code == 302, "every move is within the rules"
        observed.append(_band_seen(client.get("/nearby/").content.decode(), "Emma Wilson"))
    assert len(set(observed)) >= 3  # the attacker did learn something: bands changed as they moved

    # Every victim position on a 20 m lattice within 1.2 km that would have shown exactly these bands.
    probe_cells = [grid.snap(*p) for p in probes]
    consistent = []
    for east in range(-1200, 1201, 20):
        for north in range(-1200, 1201, 20):
            cell = grid.snap(*_offset(VICTIM, east, north))
            if [str(grid.band_label(grid.band(c, cell))) for c in probe_cells] == observed:
                consistent.append((east, north))
    assert (0, 0) in consistent
    easts, norths = {e for e, _n in consistent}, {n for _e, n in consistent}
    # A whole 500 m cell wide and high (less the lattice's step at each edge), whatever the probes were.
    assert max(easts) - min(easts) >= 500 - 2 * 20 - 10
    assert max(norths) - min(norths) >= 500 - 2 * 20


def test_a_victim_anywhere_in_a_cell_looks_exactly_the_same(tom, emma, client_as):
    """Two victim positions in one cell give byte-identical pages to the observer (nothing finer leaks)."""
    cell = grid.snap(*VICTIM)
    lat, lon = grid.centre(cell)
    inside = [_offset((lat, lon), e, n) for e, n in ((-200, -200), (200, 200), (0, 180), (-180, 0))]
    assert all(grid.snap(*p) == cell for p in inside)
    services.location_set(user=tom, lat=lat + 0.01, lon=lon, period="1h")
    client = client_as(tom)
    pages = set()
    for point in inside:
        Presence.objects.filter(user=emma).delete()
        services.location_set(user=emma, lat=point[0], lon=point[1], period="3d")
        Presence.objects.filter(user=emma).update(active_at=clock.now() - timedelta(minutes=3))
        page = client.get("/nearby/").content.decode()
        pages.add(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page))
    assert len(pages) == 1


def test_exact_coordinates_never_appear_in_a_response_or_a_stored_row(tom, emma, client_as, published_events):
    exact = ("31.234567", "121.476543")
    services.location_set(user=tom, lat=31.2339, lon=121.4761)
    client = client_as(emma)
    responses = [
        client.post(
            "/nearby/location/", {"source": "device", "lat": exact[0], "lon": exact[1], "period": "1h"}
        ),
        client.get("/nearby/"),
        client.get("/nearby/location/"),
        client_as(tom).get("/nearby/"),
    ]
    # Shake too: the websocket's acks, the events, and the cards (the client is logged in as each in turn).
    with published_events() as sent:
        first = handlers.shake_now(user=emma, data={})
        second = handlers.shake_now(user=tom, data={})
    assert {k for ack in (first, second) for k in ack} == {"shake", "window_ms", "state"}
    assert sorted(e["data"]["shake"] for e in sent) == [first["shake"], second["shake"]]
    assert all(e["data"].keys() == {"shake"} for e in sent)
    responses += [
        client_as(emma).get(f"/nearby/shake/{first['shake']}/"),
        client_as(tom).get(f"/nearby/shake/{second['shake']}/"),
        client_as(tom).get("/nearby/shake/"),
    ]
    assert b"Emma Wilson" in responses[-1].content  # (the card is there, with a band only)
    for response in responses:
        body = response.content.decode() + str(response.headers)
        for digits in ("31.2345", "121.4765", "31.234", "121.476"):
            assert digits not in body
    (row,) = Presence.objects.filter(user=emma).values()
    stored = " ".join(str(v) for v in row.values())
    assert "31.23" not in stored and "121.47" not in stored
    assert {type(v) for k, v in row.items() if k in ("row", "col")} == {int}
    assert not [
        f for f in Presence._meta.get_fields() if f.get_internal_type() in ("FloatField", "DecimalField")
    ]
