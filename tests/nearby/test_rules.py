"""People Nearby's rules: opt-in, lapsing and clearing, invisible browsing, blocks, bands, budgets, the speed
limit on claimed positions, saying hi."""

import math
from datetime import timedelta

import pytest
from django.utils import translation

from apps.accounts import services as accounts
from apps.accounts.models import FriendRequest, User
from apps.core import clock, periodic
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.nearby import grid, services
from apps.nearby.models import LastMove, Presence
from tests.concurrency import at_once

from .conftest import listed


def test_nobody_is_listed_until_they_choose_to_be(emma, tom, place):
    place(emma)
    assert listed(emma) == {}
    place(tom, x=51)
    assert set(listed(emma)) == {"Tom McDonald"}


def test_clearing_removes_someone_at_once_and_keeps_nothing(emma, tom, place):
    place(emma)
    place(tom)
    services.location_clear(user=tom)
    assert listed(emma) == {}
    assert not Presence.objects.filter(user=tom).exists()


@pytest.mark.parametrize(
    ("period", "lasts"), [("1h", timedelta(hours=1)), ("8h", timedelta(hours=8)), ("3d", timedelta(days=3))]
)
def test_visibility_lapses_after_the_chosen_period_and_the_sweep_deletes_the_row(
    emma, tom, place, period, lasts
):
    place(tom, period=period)
    clock.advance(lasts - timedelta(minutes=1))
    place(emma)  # (a fresh hour of Emma's)
    assert set(listed(emma)) == {"Tom McDonald"}
    clock.advance(timedelta(minutes=2))
    assert listed(emma) == {}  # lapsed: not listed even before the sweep
    assert services.presence_sweep() == 1
    assert not Presence.objects.filter(user=tom).exists()
    assert Presence.objects.filter(user=emma).exists()


def test_the_sweep_is_a_periodic_job():
    assert "nearby.sweep" in {job.name for job in periodic.jobs()}


def test_an_unknown_period_is_refused_and_changes_nothing(emma, place):
    with pytest.raises(DomainError):
        place(emma, period="forever")
    assert not Presence.objects.exists()


@pytest.mark.parametrize(("lat", "lon"), [("nan", "1"), ("inf", "1"), ("91", "0"), ("0", "181"), ("x", "0")])
def test_a_bad_position_is_refused(emma, lat, lon):
    with pytest.raises(DomainError):
        services.location_set(user=emma, lat=lat, lon=lon)
    assert not Presence.objects.exists()


def test_invisible_browsers_see_others_but_are_not_listed_and_cannot_greet(emma, tom, place):
    place(emma, visible=False)
    place(tom)
    assert set(listed(emma)) == {"Tom McDonald"}
    assert listed(tom) == {}
    with pytest.raises(DomainError) as refused:
        services.greet(actor=emma, public_id=tom.public_id)
    assert refused.value.code == "invisible"
    assert not FriendRequest.objects.filter(from_user=emma, to_user=tom).exists()


def test_blocked_people_are_not_listed_either_way(emma, tom, sophie, place):
    for person in (emma, tom, sophie):
        place(person)
    accounts.user_block(actor=tom, target=emma)
    assert set(listed(emma)) == {"Sophie Martin"}
    assert set(listed(tom)) == {"Sophie Martin"}


def test_gender_filter(emma, tom, sophie, place):
    for person in (emma, tom, sophie):
        place(person)
    assert set(listed(tom, "female")) == {"Emma Wilson", "Sophie Martin"}
    assert set(listed(emma, "male")) == {"Tom McDonald"}
    assert set(listed(emma, "anything")) == {"Tom McDonald", "Sophie Martin"}  # unknown: everyone


def test_bands_and_order_by_snapped_distance(emma, tom, sophie, james, zhouxin, place):
    place(emma)
    place(tom, x=52)  # ~300 m east
    place(sophie, x=60)  # ~1.6 km
    place(james, x=90)  # ~6.4 km
    place(zhouxin, city="anshan")
    assert listed(emma) == {
        "Tom McDonald": "Within 500 m",
        "Sophie Martin": "Within 2 km",
        "James Taylor": "Within 10 km",
        "周鑫": "Far away",
    }
    assert [str(n.user) for n in services.people_near(viewer=emma, presence=services.presence_of(emma))] == [
        "Tom McDonald",
        "Sophie Martin",
        "James Taylor",
        "周鑫",
    ]


def test_bands_are_the_agreed_ones():
    here = grid.snap(31.2304, 121.4737)
    lat, lon = grid.centre(here)

    def cell_at(east_m, north_m):  # the cell of the point that far from here's centre
        return grid.snap(
            lat + north_m / grid.M_PER_DEG, lon + east_m / (grid.M_PER_DEG * math.cos(math.radians(lat)))
        )

    assert grid.band(here, here) == 0
    assert grid.band(here, cell_at(500, 0)) == 0  # the neighbouring cell: within 500 m
    assert grid.band(here, cell_at(0, 500)) == 0
    assert grid.band(here, cell_at(500, 500)) == 1  # diagonal: ~707 m
    assert grid.band(here, cell_at(2000, 0)) == 2
    assert grid.band(here, cell_at(4500, 0)) == 3
    assert grid.band(here, cell_at(9500, 0)) == 4
    assert grid.band(here, cell_at(11000, 0)) == grid.FAR
    assert str(grid.band_label(grid.FAR)) == "Far away"


def test_location_changes_have_an_hourly_budget(emma, place, settings, window_start):
    settings.NEARBY_MOVES_PER_HOUR = 3
    for x in (10, 20, 30):
        place(emma, x=x)
    cell = Presence.objects.values_list("row", "col").get(user=emma)
    with pytest.raises(RateLimited):
        place(emma, x=90)
    assert Presence.objects.values_list("row", "col").get(user=emma) == cell  # not moved
    clock.advance(timedelta(hours=1))
    place(emma, x=90)
    assert Presence.objects.values_list("row", "col").get(user=emma) != cell


def test_list_loads_have_an_hourly_budget(emma, place, settings, window_start):
    settings.NEARBY_LOOKS_PER_HOUR = 2
    presence = place(emma)
    services.people_near(viewer=emma, presence=presence)
    services.people_near(viewer=emma, presence=presence)
    with pytest.raises(RateLimited) as refused:
        services.people_near(viewer=emma, presence=presence)
    assert 0 < refused.value.retry_after <= 3600  # when the next hour's looks begin


def test_say_hi_sends_a_friend_request_with_the_greeting(emma, tom, place, published_events):
    place(emma)
    place(tom)
    with published_events() as sent:
        services.greet(actor=emma, public_id=tom.public_id, message="  Hi from the café!  ")
    request = FriendRequest.objects.get(from_user=emma, to_user=tom, status="pending")
    assert request.message == "Hi from the café!"
    assert any(e["type"] == "contacts.request" and e["user_ids"] == [tom.pk] for e in sent)


def test_say_hi_without_words_sends_a_greeting(emma, tom, place):
    place(emma)
    place(tom)
    services.greet(actor=emma, public_id=tom.public_id)
    assert "Emma Wilson" in FriendRequest.objects.get(from_user=emma, to_user=tom).message


def test_say_hi_respects_blocks_both_ways(emma, tom, sophie, place):
    for person in (emma, tom, sophie):
        place(person)
    accounts.user_block(actor=tom, target=emma)
    with pytest.raises(DomainError):
        services.greet(actor=emma, public_id=tom.public_id)
    with pytest.raises(DomainError):
        services.greet(actor=tom, public_id=emma.public_id)
    assert not FriendRequest.objects.filter(from_user__in=[emma, tom], to_user__in=[emma, tom]).exists()


def test_say_hi_needs_the_other_to_be_visible_now(emma, tom, place):
    place(emma)
    with pytest.raises(NotFound):
        services.greet(actor=emma, public_id=tom.public_id)  # never joined
    place(tom, visible=False)
    with pytest.raises(NotFound):
        services.greet(actor=emma, public_id=tom.public_id)  # invisible
    place(tom)
    services.location_clear(user=emma)
    with pytest.raises(DomainError):
        services.greet(actor=emma, public_id=tom.public_id)  # left
    assert not FriendRequest.objects.filter(from_user=emma, to_user=tom).exists()


def test_someone_across_a_degree_of_latitude_is_found_in_the_box(emma, tom, sophie, place, monkeypatch):
    """Columns line up within a whole degree of latitude; the 10 km box is read zone by zone, so a neighbour
    on the other side of 31° N is found there (with a list of one, before anyone far away and more recent)."""
    monkeypatch.setattr(services, "LIST_SIZE", 1)
    services.location_set(user=emma, lat=31.02, lon=121.40)
    services.location_set(user=tom, lat=30.97, lon=121.40)  # about 5.6 km south, in the zone below
    clock.advance(timedelta(minutes=1))
    place(sophie, city="anshan")  # far away, and the most recently active
    assert listed(emma) == {"Tom McDonald": "Within 10 km"}
    assert listed(tom) == {"Emma Wilson": "Within 10 km"}


def test_last_active_is_refreshed_by_looking_at_most_every_few_minutes(emma, place):
    presence = place(emma)
    clock.advance(timedelta(minutes=3))
    services.people_near(viewer=emma, presence=services.presence_of(emma))
    assert Presence.objects.get(user=emma).active_at == presence.active_at
    clock.advance(timedelta(minutes=3))
    services.people_near(viewer=emma, presence=services.presence_of(emma))
    assert Presence.objects.get(user=emma).active_at > presence.active_at


def test_a_crowded_box_lists_the_nearest_people_not_the_first_rows_the_index_meets(
    emma, place, django_assert_max_num_queries
):
    """250 people 8 km south of the viewer (the rows the cell index meets first) and three in the viewer's own
    cell: the three are listed, within 500 m. Taking the first 200 rows of the 10 km box listed only the crowd."""
    mine = place(emma)
    here = grid.Cell(mine.row, mine.col)
    south = grid.Cell(here.row - 16, here.col)  # 16 cells of 500 m: 8 km
    now = clock.now()
    crowd = User.objects.bulk_create(
        [User(username=f"south{i}", public_id=f"south{i:03d}", display_name=f"South {i}") for i in range(250)]
        + [User(username=f"near{i}", public_id=f"near{i:03d}", display_name=f"Near {i}") for i in range(3)]
    )
    crowd = list(User.objects.filter(username__regex=r"^(south|near)\d+$"))
    Presence.objects.bulk_create(
        [
            Presence(
                user=u,
                row=(here if u.username.startswith("near") else south).row,
                col=(here if u.username.startswith("near") else south).col,
                started_at=now,
                expires_at=now + timedelta(hours=1),
                active_at=now,
            )
            for u in crowd
        ]
    )
    with django_assert_max_num_queries(8):  # the big box, then at most one box per band
        seen = listed(emma)
    assert len(seen) == services.LIST_SIZE
    assert {name: band for name, band in seen.items() if name.startswith("Near")} == {
        f"Near {i}": "Within 500 m" for i in range(3)
    }


# --- The speed limit on claimed positions ---------------------------------------------------------------


def _cell(user):
    return Presence.objects.values_list("row", "col").get(user=user)


def test_a_claimed_position_may_not_move_faster_than_a_plausible_speed(emma, place, settings, window_start):
    """6.4 km a minute after the last move is faster than 300 km/h (5 km a minute, plus a kilometre of slack
    for snapping): refused, with how long to wait, and nothing changed (not even the move budget)."""
    settings.NEARBY_JUMPS_PER_DAY = 0
    settings.NEARBY_MOVES_PER_HOUR = 2
    place(emma, x=50)
    before = _cell(emma)
    clock.advance(timedelta(minutes=1))
    with pytest.raises(RateLimited) as refused:
        place(emma, x=90)  # ~6.4 km east
    assert "faster than 300 km/h" in str(refused.value.message)
    assert _cell(emma) == before
    assert LastMove.objects.values_list("row", "col").get(user=emma) == before
    wait = refused.value.retry_after
    assert 0 < wait < 60  # (6.4 km - 1 km) at 83 m/s is 65 s, 60 of them gone
    clock.advance(timedelta(seconds=wait - 3))
    with pytest.raises(RateLimited):
        place(emma, x=90)  # not yet
    clock.advance(timedelta(seconds=3))
    place(emma, x=90)  # the refusals cost no move: this is the budget's second
    assert _cell(emma) != before


def test_moves_at_a_plausible_speed_need_no_jump(emma, place, settings, window_start):
    settings.NEARBY_JUMPS_PER_DAY = 0
    place(emma, x=50)
    place(emma, x=53)  # at once: ~480 m, the next cell (snapping's slack)
    clock.advance(timedelta(minutes=2))
    place(emma, x=90)  # 6 km in 2 minutes: 180 km/h
    clock.advance(timedelta(hours=1))
    place(emma, x=10)  # 12.8 km in an hour
    assert Presence.objects.filter(user=emma).exists()


def test_clearing_the_location_does_not_reset_the_speed_limit(emma, place, settings, window_start):
    settings.NEARBY_JUMPS_PER_DAY = 0
    place(emma)
    services.location_clear(user=emma)
    assert not Presence.objects.filter(user=emma).exists()
    with pytest.raises(RateLimited):
        place(emma, city="anshan")
    assert not Presence.objects.filter(user=emma).exists()  # refused: still gone, not moved
    (row,) = LastMove.objects.filter(user=emma).values()
    assert set(row) == {"user_id", "row", "col", "at"}  # a cell and a time, never coordinates


def test_a_few_long_jumps_a_day_then_the_speed_limit_holds_for_cities_and_devices_alike(
    emma, place, settings, window_start
):
    """The daily jumps are the only way past the speed limit: a demo city gets no other pass, so cities
    cannot launder probes. Tomorrow brings new jumps."""
    settings.NEARBY_JUMPS_PER_DAY = 2
    place(emma)
    place(emma, city="anshan")  # a jump
    anshan = _cell(emma)
    services.location_set(user=emma, lat=31.2, lon=121.5)  # the device's position: a jump too
    shanghai = _cell(emma)
    for go in (lambda: place(emma, city="anshan"), lambda: place(emma, city="beijing", x=0, y=0)):
        with pytest.raises(RateLimited) as refused:
            go()
        assert _cell(emma) == shanghai
    assert refused.value.retry_after <= (services.MOVE_MEMORY).total_seconds()
    clock.advance(timedelta(days=1))
    place(emma, city="anshan")
    assert _cell(emma) == anshan


def test_a_presenter_can_jump_between_shanghai_and_anshan_a_few_times_a_day(
    emma, tom, zhouxin, place, window_start
):
    """The default rules (10 moves an hour, 6 jumps a day): a workshop's demo jumps, a few minutes apart,
    with the spot adjusted within the city between them."""
    place(tom, x=52)
    place(zhouxin, city="anshan", x=51)
    for _trip in range(3):
        clock.advance(timedelta(minutes=5))
        place(emma, x=50)
        clock.advance(timedelta(seconds=30))
        place(emma, x=55, y=45)  # the spot moved within the city (~1.1 km in 30 s): no jump
        assert listed(emma) == {"Tom McDonald": "Within 1 km", "周鑫": "Far away"}
        clock.advance(timedelta(minutes=5))
        place(emma, city="anshan")
        assert listed(emma)["周鑫"] == "Within 500 m"
    # That was 5 jumps (the first placement is none); the sixth works (in the next hour's moves), the seventh
    # waits.
    clock.advance(timedelta(hours=1))
    place(emma, x=50)
    with pytest.raises(RateLimited), translation.override("zh-hans"):
        try:
            place(emma, city="anshan")
        except RateLimited as refused:
            assert "300" in str(refused.message) and "km/h" not in str(refused.message)
            raise


def test_the_last_move_is_forgotten_once_the_speed_limit_no_longer_needs_it(emma, place, settings):
    settings.NEARBY_JUMPS_PER_DAY = 0
    place(emma, period="8h")
    clock.advance(services.MOVE_MEMORY - timedelta(minutes=1))
    services.presence_sweep()
    assert LastMove.objects.filter(user=emma).exists()  # still needed
    clock.advance(timedelta(minutes=2))
    place(emma, city="london")  # forgotten by the rule even before the sweep: any move is free again
    services.location_clear(user=emma)
    clock.advance(services.MOVE_MEMORY + timedelta(minutes=1))
    services.presence_sweep()
    assert not LastMove.objects.exists()  # and then by the sweep: nothing of where she was is kept


def test_concurrent_moves_are_each_checked_against_the_one_before(
    transactional_db, emma, settings, postgresql
):
    """Five minutes after a move, 20 km east and 20 km west are each within 300 km/h of it, but not of each
    other: of 16 at once, each waits for the one before it (the row lock) and is checked against it, so
    whichever side went first, every move to the other side is refused."""
    settings.NEARBY_JUMPS_PER_DAY = 0
    settings.NEARBY_MOVES_PER_HOUR = 100
    lat, lon = grid.city_spot("shanghai", 50, 50)
    services.location_set(user=emma, lat=lat, lon=lon)
    clock.advance(timedelta(minutes=5))
    east = 20_000 / (grid.M_PER_DEG * math.cos(math.radians(lat)))
    sides = [east, -east] * 8
    results = at_once(
        lambda d: services.location_set(user=User.objects.get(pk=emma.pk), lat=lat, lon=lon + d), sides
    )
    moved = {side > 0 for side, r in zip(sides, results, strict=True) if isinstance(r, Presence)}
    refused = [r for r in results if isinstance(r, RateLimited)]
    assert len(moved) == 1 and len(refused) == 8


@pytest.mark.parametrize(
    ("language", "says"), [("en", "faster than 300 km/h"), ("zh-hans", "快于每小时 300 公里")]
)
def test_a_refused_jump_is_explained_on_the_location_page_and_changes_nothing(
    emma, client_as, settings, window_start, language, says
):
    settings.NEARBY_JUMPS_PER_DAY = 0
    emma.language = language
    emma.save()
    client = client_as(emma)
    client.cookies["django_language"] = language
    with translation.override("en"):  # the page's language is switched back afterwards, for the next tests
        assert client.post("/nearby/location/", {"city": "shanghai", "period": "1h"}).status_code == 302
        response = client.post("/nearby/location/", {"city": "anshan", "period": "1h"})
    assert response.status_code == 200
    assert says in response.content.decode()
    assert Presence.objects.get(user=emma).place == "shanghai"
