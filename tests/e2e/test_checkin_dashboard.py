"""The organiser's dashboard and Shake nearby in a browser, at phone width in both languages (axe-checked): the
sample venues' history draws the chart at first start; a person near a venue shakes (the S key, as a shake of
the phone would) and checks in from the card for the venue's coupon."""

import re

import pytest
from playwright.sync_api import expect

from apps.checkin import seed
from apps.checkin.models import CheckIn, Coupon, Venue
from apps.nearby import grid
from apps.nearby.services import presence_put
from tests.conftest import SCREENS, in_thread, look_at

TEA = "Jasmine Tea House · 茉莉茶坊"


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_sample_venues_dashboard_shows_its_history(page_as, sunli, locale):
    SCREENS.mkdir(parents=True, exist_ok=True)
    in_thread(seed.seed)
    tea = Venue.objects.get(name=TEA)
    tag = "en" if locale == "en" else "zh"
    page = page_as(sunli, f"/checkin/v/{tea.pk}/", locale=locale)
    page.get_by_test_id("open-dashboard").click()
    expect(page).to_have_url(re.compile(rf"/checkin/v/{tea.pk}/dashboard/$"))
    chart = page.get_by_test_id("dashboard-chart")
    expect(chart.locator("svg[role=img]")).to_have_count(1)
    assert chart.locator("rect.dash-bar[height]:not([height='0.0']):not([height='0'])").count() >= 10
    checkins = CheckIn.objects.filter(venue=tea).count()
    expect(page.get_by_test_id("figure-checkins")).to_have_text(str(checkins))
    look_at(page, f"checkin-dashboard-{tag}")
    page.get_by_text("Show as a table" if locale == "en" else "以表格显示").click()
    expect(page.get_by_test_id("dashboard-table").locator("tbody tr")).to_have_count(30)
    download = page.request.get(page.get_by_test_id("dashboard-export").get_attribute("href"))
    assert download.status == 200 and download.text().count("\n") == checkins + 1


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_shaking_near_a_venue_finds_it_and_gives_its_coupon(page_as, sunli, emma, locale):
    in_thread(seed.seed)
    tea = Venue.objects.get(name=TEA)
    tag = "en" if locale == "en" else "zh"
    page = page_as(emma, "/checkin/shake/", locale=locale)
    expect(page.get_by_test_id("beacon-simulated")).to_be_visible()
    expect(page.get_by_test_id("beacon-set-location")).to_be_visible()
    in_thread(
        presence_put, emma, grid.Cell(tea.row + 1, tea.col), place="shanghai", period="1h", visible=True
    )
    page.reload()
    look_at(page, f"checkin-beacon-{tag}")
    page.keyboard.press("s")
    card = page.get_by_test_id("beacon-venue")
    expect(card).to_contain_text(TEA)
    look_at(page, f"checkin-beacon-found-{tag}")
    already = Coupon.objects.filter(holder=emma).count()
    page.get_by_test_id("beacon-checkin").click()
    expect(page.get_by_test_id("checkin-done")).to_be_visible()
    mine = CheckIn.objects.get(person=emma, venue=tea, via="beacon")
    assert Coupon.objects.filter(holder=emma).count() == already + 1
    expect(page.get_by_test_id("checkin-done")).to_contain_text(mine.coupon.code)
