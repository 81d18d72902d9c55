"""Shake on two phones: both shake within the same seconds and see each other's card live, with a band; a lone
shaker is told nobody was found when the window closes. Screens at 390 px in both languages, and axe."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from apps.nearby import grid, services
from tests.conftest import SCREENS


def visible_at(user, x):
    lat, lon = grid.city_spot("shanghai", x, 50)
    services.location_set(user=user, lat=lat, lon=lon)


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_two_phones_shake_together_and_see_each_other_live(new_context, emma, tom, settings, locale):
    settings.SHAKE_WINDOW_SECONDS = 20  # both taps land in one window however slow the machine
    visible_at(emma, 50)
    visible_at(tom, 52)
    emmas = new_context(emma, locale).new_page()
    emmas.goto("/nearby/")
    emmas.get_by_test_id("nearby-shake").click()
    toms = new_context(tom, locale).new_page()
    toms.goto("/nearby/shake/")
    for page in (emmas, toms):
        expect(page.locator("html[data-realtime=open]")).to_have_count(1)

    emmas.get_by_test_id("shake").click()
    expect(emmas.get_by_test_id("shake")).to_be_disabled()  # looking…
    toms.keyboard.press("s")  # the key works as well as the button
    for page, other in ((emmas, "Tom McDonald"), (toms, "Emma Wilson")):
        match = page.get_by_test_id("shake-match")
        expect(match).to_contain_text(other)  # live: Emma's card came by the websocket event
        expect(match.get_by_test_id("shake-band")).to_have_text(
            "Within 500 m" if locale == "en" else "500米以内"
        )
    SCREENS.mkdir(parents=True, exist_ok=True)
    emmas.screenshot(path=str(SCREENS / f"nearby-shake-match-{locale}-390.png"), full_page=True)
    found = Axe().run(emmas).response["violations"]
    assert not found, found

    emmas.get_by_test_id("shake-hi").click()
    expect(emmas.get_by_test_id("shake-history")).to_contain_text("Tom McDonald")


def test_a_lone_shaker_hears_nobody_was_found(new_context, emma, settings):
    settings.SHAKE_WINDOW_SECONDS = 1
    visible_at(emma, 50)
    page = new_context(emma).new_page()
    page.goto("/nearby/shake/")
    expect(page.locator("html[data-realtime=open]")).to_have_count(1)
    page.get_by_test_id("shake").click()
    expect(page.get_by_test_id("shake-alone")).to_be_visible()
    expect(page.get_by_test_id("shake")).to_be_enabled()
    page.screenshot(path=str(SCREENS / "nearby-shake-alone-en-390.png"), full_page=True)
