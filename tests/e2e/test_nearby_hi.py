"""Say hi from People Nearby: the request in New Friends says where it came from, in both languages (screens at
390 px, and axe)."""

import pytest
from playwright.sync_api import expect

from apps.nearby import grid, services
from tests.conftest import SCREENS, in_thread, look_at


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_a_hi_from_people_nearby_says_so_in_new_friends(new_context, emma, tom, locale):
    for person, x in ((emma, 50), (tom, 53)):
        lat, lon = grid.city_spot("shanghai", x, 50)
        in_thread(services.location_set, user=person, lat=lat, lon=lon)
    in_thread(services.greet, actor=emma, public_id=tom.public_id, message="Hello from across the street!")
    page = new_context(tom, locale).new_page()
    page.goto("/accounts/contacts/new/")
    request = page.locator(".cell", has_text="Emma Wilson")
    expect(request).to_contain_text("Hello from across the street!")
    expect(request).to_contain_text("From People Nearby" if locale == "en" else "来自附近的人")
    SCREENS.mkdir(parents=True, exist_ok=True)
    look_at(page, f"new-friends-from-nearby-{locale}")
