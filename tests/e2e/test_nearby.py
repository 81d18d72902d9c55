"""People Nearby on two phones: both pick a demo spot in Shanghai, see each other with a distance band, Tom
says hi and Emma sees the request arrive live on New Friends. Plus the pages at 390 px in both languages."""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import FriendRequest
from apps.nearby import grid, services
from tests.conftest import SCREENS


def join(page, x: str, y: str = "50"):
    page.goto("/discover/")
    page.get_by_role("link", name="People Nearby").click()
    expect(page.get_by_test_id("nearby-form")).to_be_visible()
    page.get_by_test_id("nearby-city").select_option("shanghai")
    page.get_by_test_id("nearby-x").fill(x)
    page.get_by_test_id("nearby-y").fill(y)
    page.get_by_test_id("nearby-join").click()
    expect(page.get_by_test_id("nearby-me")).to_be_visible()


def test_two_phones_see_each_other_and_a_hi_arrives_live_in_new_friends(new_context, emma, tom):
    emmas = new_context(emma).new_page()
    join(emmas, "50")
    expect(emmas.get_by_test_id("nearby-empty")).to_be_visible()
    toms = new_context(tom).new_page()
    join(toms, "53")
    tom_row = toms.get_by_test_id("nearby-person").filter(has_text="Emma Wilson")
    expect(tom_row.get_by_test_id("band")).to_have_text("Within 500 m")

    emmas.reload()
    expect(
        emmas.get_by_test_id("nearby-person").filter(has_text="Tom McDonald").get_by_test_id("band")
    ).to_have_text("Within 500 m")
    emmas.goto("/accounts/contacts/new/")
    expect(emmas.locator("html[data-realtime=open]")).to_have_count(1)

    tom_row.get_by_test_id("say-hi").click()
    tom_row.get_by_test_id("hi-text").fill("Hi Emma, coffee nearby? 一起喝咖啡？")
    tom_row.get_by_test_id("hi-send").click()
    expect(toms.get_by_text("Hi sent. They will see your friend request.")).to_be_visible()
    expect(emmas.get_by_text("Tom McDonald wants to be your friend")).to_be_visible()  # live, no reload
    emmas.reload()
    expect(emmas.locator("[data-request]", has_text="Tom McDonald")).to_contain_text(
        "coffee nearby? 一起喝咖啡？"
    )
    assert FriendRequest.objects.filter(from_user=tom, to_user=emma, status="pending").exists()

    # Leaving: Emma clears her location and is gone from Tom's list at once.
    emmas.goto("/nearby/")
    emmas.get_by_test_id("nearby-clear").click()
    toms.reload()
    expect(toms.get_by_test_id("nearby-empty")).to_be_visible()


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_screens_at_phone_width(new_context, cast, locale):
    for who, x in (("james", 52), ("sophie", 60), ("zhangmin", 50), ("emma", 47)):
        city = "anshan" if who == "zhangmin" else "shanghai"
        services.location_set(
            user=cast[who], lat=grid.city_spot(city, x, 50)[0], lon=grid.city_spot(city, x, 50)[1]
        )
    SCREENS.mkdir(parents=True, exist_ok=True)
    page = new_context(cast["liwei"], locale).new_page()
    page.goto("/nearby/")
    expect(page.get_by_test_id("nearby-form")).to_be_visible()
    page.screenshot(path=str(SCREENS / f"nearby-location-{locale}-390.png"), full_page=True)
    page.get_by_test_id("nearby-join").click()
    expect(page.get_by_test_id("nearby-person")).to_have_count(4)
    page.get_by_test_id("nearby-person").first.get_by_test_id("say-hi").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENS / f"nearby-list-{locale}-390.png"), full_page=True)


def test_the_phones_own_position_is_used_when_allowed_and_never_shown_back(new_context, emma, tom):
    lat, lon = grid.city_spot("shanghai", 51, 50)
    services.location_set(user=tom, lat=lat, lon=lon)
    context = new_context(emma)
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"latitude": 31.234567, "longitude": 121.476543})
    page = context.new_page()
    page.goto("/nearby/location/")
    page.get_by_role("button", name="Use my phone's location").click()
    expect(page.get_by_test_id("nearby-me")).to_be_visible()
    expect(page.get_by_test_id("nearby-me")).not_to_contain_text("Demo location")
    expect(page.get_by_test_id("nearby-person").filter(has_text="Tom McDonald")).to_be_visible()
    assert "31.234" not in page.content() and "121.476" not in page.content()
