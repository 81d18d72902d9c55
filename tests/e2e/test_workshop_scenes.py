"""The console's scenes in the browser: the presenter presses one on the projector (1280×720) and reads what
happened, in both languages; the panel in sight there and stacked on a phone. Screenshots in
artifacts/screens/workshop-scenes-*."""

import pytest
from playwright.sync_api import expect

from apps.chat.seed import seed as chat_seed
from apps.workshop import joining, scenes
from apps.workshop import seed as workshop_seed
from tests.conftest import look_at, session_key_for


@pytest.fixture
def room(cast, settings):
    settings.DEMO_MODE = True
    chat_seed()
    workshop_seed.seed()
    return {"host": cast["james"], "group": joining.workshop_group(cast["james"])}


@pytest.mark.parametrize("locale, toast", [("en", "bottles thrown"), ("zh-hans", "扔出了")])
def test_the_presenter_presses_a_scene_on_the_projector_and_reads_what_happened(
    room, live_url, browser, locale, toast, settings
):
    for width, height in ((1280, 720), (390, 844)):
        context = browser.new_context(
            base_url=live_url, locale=locale, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        cookies = [
            {"name": settings.SESSION_COOKIE_NAME, "value": session_key_for(room["host"]), "url": live_url}
        ]
        cookies.append({"name": settings.LANGUAGE_COOKIE_NAME, "value": locale, "url": live_url})
        context.add_cookies(cookies)
        page = context.new_page()
        page.goto("/workshop/")
        if width == 1280:
            page.get_by_test_id("scene-sea").click()
            expect(page.locator(".console-toasts")).to_contain_text(toast)
        expect(page.get_by_test_id("bots-start")).to_be_visible()
        look_at(page, f"workshop-scenes-{locale}", width=width, full_page=width != 1280)
        context.close()
    assert scenes.drifting() == scenes.SEA_TARGET
