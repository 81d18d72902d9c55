"""People Nearby's pages: the opt-in form, the list, Say hi, clearing; bad input changes nothing."""

import pytest
from django.core.management import call_command

from apps.accounts.models import FriendRequest, User
from apps.accounts.seed import CAST
from apps.nearby import services
from apps.nearby.models import Presence


def test_the_list_sends_newcomers_to_the_opt_in_form_first(emma, client_as):
    client = client_as(emma)
    response = client.get("/nearby/")
    assert response.status_code == 302 and response["Location"] == "/nearby/location/"
    page = client.get("/nearby/location/").content.decode()
    assert "Nobody sees you here until you choose to." in page
    assert not Presence.objects.exists()


def test_joining_at_a_demo_spot_lists_the_people_there(emma, tom, client_as, place):
    place(tom, x=52)
    client = client_as(emma)
    response = client.post("/nearby/location/", {"city": "shanghai", "x": "50", "y": "50", "period": "8h"})
    assert response.status_code == 302
    page = client.get("/nearby/").content.decode()
    assert "Tom McDonald" in page and "Within 500 m" in page
    assert "Demo location: Shanghai" in page


@pytest.mark.parametrize(
    "form",
    [
        {"city": "atlantis", "period": "1h"},
        {"city": "shanghai", "x": "150", "period": "1h"},
        {"city": "shanghai", "x": "nan", "period": "1h"},
        {"city": "shanghai", "period": "1y"},
        {"source": "device", "lat": "", "lon": "2", "period": "1h"},
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(emma, client_as, form):
    response = client_as(emma).post("/nearby/location/", form)
    assert response.status_code == 200
    assert b'class="toast error"' in response.content
    assert not Presence.objects.exists()


def test_clear_my_location_and_leave(emma, client_as, place):
    place(emma)
    response = client_as(emma).post("/nearby/clear/")
    assert response.status_code == 302
    assert not Presence.objects.exists()


def test_say_hi_from_the_list(emma, tom, client_as, place):
    place(emma)
    place(tom)
    client = client_as(emma)
    response = client.post(f"/nearby/hi/{tom.public_id}/", {"message": "<b>Hello</b> neighbour"})
    assert response.status_code == 302
    assert FriendRequest.objects.get(from_user=emma, to_user=tom).message == "<b>Hello</b> neighbour"
    page = client_as(tom).get("/accounts/contacts/new/").content.decode()
    assert "&lt;b&gt;Hello&lt;/b&gt; neighbour" in page  # escaped where it is shown


def test_an_invisible_browser_gets_no_say_hi_button(emma, tom, client_as, place):
    place(emma, visible=False)
    place(tom)
    page = client_as(emma).get("/nearby/").content.decode()
    assert "Tom McDonald" in page
    assert 'data-testid="say-hi"' not in page
    assert "You are browsing invisibly" in page


def test_the_gender_filter_on_the_page(emma, tom, sophie, client_as, place):
    for person in (emma, tom, sophie):
        place(person)
    page = client_as(tom).get("/nearby/?gender=female").content.decode()
    assert "Emma Wilson" in page and "Sophie Martin" in page
    page = client_as(emma).get("/nearby/?gender=female").content.decode()
    assert "Sophie Martin" in page and "Tom McDonald" not in page


def test_the_list_costs_the_same_queries_for_3_people_or_40(
    cast, client_as, place, django_assert_max_num_queries
):
    viewer = cast["emma"]
    place(viewer)
    for person in list(cast.values())[:3]:
        if person != viewer:
            place(person, x=55)
    client = client_as(viewer)
    client.get("/nearby/")  # (refreshes "last active" once)
    with django_assert_max_num_queries(5):
        assert client.get("/nearby/").status_code == 200
    for n in range(40):
        user = User.objects.create(username=f"near{n}", public_id=f"near{n:04d}", display_name=f"Near {n}")
        place(user, x=40 + n % 20, y=40 + n // 2)
    with django_assert_max_num_queries(5):
        page = client.get("/nearby/").content.decode()
    assert page.count('data-testid="nearby-person"') == 43


def test_seed_demo_makes_the_list_alive_for_3_days_and_refreshes_it(db):
    call_command("seed_demo", verbosity=0)
    assert Presence.objects.filter(visible=True).count() >= 5
    first = set(Presence.objects.values_list("expires_at", flat=True))
    call_command("seed_demo", verbosity=0)
    assert set(Presence.objects.values_list("expires_at", flat=True)) != first  # refreshed on re-seed
    liwei = User.objects.get(username="liwei")
    lat, lon = services.grid.city_spot("shanghai", 50, 50)
    presence = services.location_set(user=liwei, lat=lat, lon=lon)
    shown = {str(n.user) for n in services.people_near(viewer=liwei, presence=presence)}
    assert {"James Taylor", "Emma Wilson", "张敏"} <= shown
    assert len(CAST) > len(shown)
