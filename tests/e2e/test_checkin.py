"""Check-in in a browser: the kiosk on one screen and phones checking in by its current code (opened as a link,
logged out through the login page, and decoded by the Scan page from a photo of the screen); the kiosk's count
and faces change live. Every check-in page in both languages at phone width, with axe."""

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.seed import DEMO_PASSWORD
from apps.checkin import codes, services
from apps.checkin.models import CheckIn, Coupon
from tests.checkin.conftest import check_in
from tests.conftest import SCREENS, in_thread, look_at


def opened(page):
    expect(page.locator("html[data-realtime=open]")).to_have_count(1)
    return page


def make(organiser, **fields):
    data = {"name": "Jasmine Tea House", "address": "88 Nanjing West Road", "city": "shanghai", "points": 10}
    return services.venue_create(actor=organiser, data={**data, **fields})


def test_phones_check_in_by_the_kiosks_code_and_the_kiosk_counts_live(page_as, new_context, sunli, emma, tom):
    venue = make(sunli)
    kiosk = opened(page_as(sunli, f"/checkin/v/{venue.pk}/kiosk/"))
    count = kiosk.get_by_test_id("kiosk-count")
    expect(count).to_have_text("0")
    code_url = kiosk.get_by_test_id("kiosk-qr").get_attribute("data-code-url")
    assert "/checkin/c/k/" in code_url

    phone = page_as(emma, code_url)  # what the camera would open
    expect(phone).to_have_url(re.compile(rf"/checkin/v/{venue.pk}/$"))
    phone.get_by_test_id("checkin-button").click()
    expect(phone.get_by_test_id("checkin-done")).to_contain_text("number 1")
    expect(count).to_have_text("1")
    expect(kiosk.locator("[data-kiosk-people] [aria-label='Emma Wilson']")).to_have_count(1)

    # Logged out: the code leads through the login page and back to this check-in.
    stranger = new_context().new_page()
    stranger.goto(code_url)
    expect(stranger).to_have_url(re.compile(r"/accounts/login/"))
    stranger.locator("input[name=username]").fill("tom")
    stranger.locator("input[name=password]").fill(DEMO_PASSWORD)
    stranger.locator("form button[type=submit]").last.click()
    expect(stranger).to_have_url(re.compile(rf"/checkin/v/{venue.pk}/$"))
    stranger.get_by_test_id("checkin-button").click()
    expect(count).to_have_text("2")
    assert CheckIn.objects.count() == 2
    look_at(kiosk, "checkin-kiosk-en", full_page=False)
    kiosk.set_viewport_size({"width": 1280, "height": 720})  # on the projector
    look_at(kiosk, "checkin-kiosk-projector-en", width=1280, full_page=False)


def test_the_scan_page_decodes_a_photo_of_the_kiosk_code_and_lands_on_the_check_in(
    page_as, sunli, emma, tmp_path
):
    venue = make(sunli)
    kiosk = opened(page_as(sunli, f"/checkin/v/{venue.pk}/kiosk/"))
    photo = tmp_path / "kiosk.png"
    kiosk.get_by_test_id("kiosk-qr").screenshot(path=str(photo))
    phone = page_as(emma, "/scan/")
    phone.locator("[data-scan-file]").set_input_files(str(photo))
    expect(phone).to_have_url(re.compile(rf"/checkin/v/{venue.pk}/$"))
    phone.get_by_test_id("checkin-button").click()
    expect(phone.get_by_test_id("checkin-done")).to_be_visible()
    expect(kiosk.get_by_test_id("kiosk-count")).to_have_text("1")


def test_a_forwarded_old_code_gets_a_clear_page(page_as, sunli, emma):
    venue = make(sunli)
    phone = page_as(emma, f"/checkin/c/k/{'x' * 20}/")
    expect(phone.get_by_test_id("checkin-invalid")).to_contain_text("not valid")
    assert not CheckIn.objects.filter(venue=venue).exists()


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_every_check_in_page_in_both_languages(page_as, sunli, emma, tom, locale):
    SCREENS.mkdir(parents=True, exist_ok=True)
    tea = make(sunli, reward="coupon", coupon_text="Free jasmine tea · 送茉莉花茶", budget="100")
    noodles = make(sunli, name="Anshan Noodle Bar", city="anshan", points="5")
    in_thread(check_in, emma, tea)
    in_thread(check_in, emma, noodles)
    in_thread(check_in, tom, tea)
    tag = "en" if locale == "en" else "zh"
    person = page_as(emma, "/checkin/", locale=locale)
    look_at(person, f"checkin-mine-{tag}")
    person.goto("/checkin/coupons/")
    expect(person.get_by_test_id("coupon-code")).to_have_text(Coupon.objects.get(holder=emma).code)
    look_at(person, f"checkin-coupons-{tag}")
    person.goto(f"/checkin/v/{tea.pk}/")
    expect(person.get_by_test_id("checkin-done")).to_be_visible()
    look_at(person, f"checkin-venue-{tag}")
    person.goto(f"/checkin/c/k/{'x' * 20}/")
    look_at(person, f"checkin-invalid-{tag}")
    workshop = make(sunli, name="Workshop 2026", reward="cashback", cashback="1", budget="50")
    person.goto(f"/checkin/c/p/{codes.poster_token(workshop)}/")
    expect(person.get_by_test_id("checkin-button")).to_be_visible()
    look_at(person, f"checkin-button-{tag}")
    person.goto("/checkin/venues/new/")
    look_at(person, f"checkin-new-venue-{tag}")
    organiser = page_as(sunli, "/checkin/venues/", locale=locale)
    look_at(organiser, f"checkin-venues-{tag}")
    organiser.goto(f"/checkin/v/{tea.pk}/")
    look_at(organiser, f"checkin-venue-organiser-{tag}")
    organiser.goto(f"/checkin/v/{tea.pk}/edit/")
    look_at(organiser, f"checkin-edit-{tag}")
    organiser.goto(f"/checkin/v/{tea.pk}/poster/")
    look_at(organiser, f"checkin-poster-{tag}")
    organiser.emulate_media(media="print")
    organiser.screenshot(path=str(SCREENS / f"checkin-poster-print-{tag}.png"), full_page=True)
    organiser.emulate_media(media="screen")
    organiser.goto(f"/checkin/v/{tea.pk}/kiosk/")
    expect(organiser.get_by_test_id("kiosk-count")).to_have_text("2")
    look_at(organiser, f"checkin-kiosk-{tag}")
    organiser.goto("/discover/")
    expect(organiser.locator("a[href='/checkin/']")).to_have_count(1)
