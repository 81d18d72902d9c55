"""People Nearby's rules: opt-in, lapsing and clearing, invisible browsing, blocks, bands, budgets, saying hi."""

import math
from datetime import timedelta

import pytest

from apps.accounts import services as accounts
from apps.accounts.models import FriendRequest, User
from apps.core import clock, periodic
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.nearby import grid, services
from apps.nearby.models import Presence

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
    with pytest.raises(RateLimited):
        services.people_near(viewer=emma, presence=presence)


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
