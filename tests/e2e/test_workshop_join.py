"""Joining by the console's code on a phone: the join URL, a name, and the phone lands in the workshop group
chat while the console (a demo host, on the projector) shows the join count rise live. Both languages, axe-clean;
screenshots in artifacts/screens/workshop-join-*."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.chat.seed import seed as chat_seed
from apps.workshop import joining
from apps.workshop import seed as workshop_seed
from tests.conftest import in_thread, look_at
from tests.e2e.test_workshop_console import projector, ticking  # noqa: F401 - fixtures

WORDS = {
    "en": {
        "join": "Join",
        "name": "Your name",
        "group": "Workshop 2026",
        "closed": "Joining is closed for now",
    },
    "zh-hans": {"join": "加入", "name": "你的名字", "group": "Workshop 2026", "closed": "现在暂停加入"},
}


@pytest.fixture
def room(cast, settings):
    settings.DEMO_MODE = True
    chat_seed()
    workshop_seed.seed()
    return cast["james"]


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_a_phone_joins_by_the_code_and_the_console_counts_it_live(
    room,
    projector,  # noqa: F811 - the console test's fixture
    new_context,
    ticking,  # noqa: F811
    locale,
):
    words = WORDS[locale]
    screen = projector(room, locale)
    count = screen.get_by_test_id("join-count")
    expect(count).to_have_text("0")
    look_at(screen, f"workshop-join-console-{locale}", width=1280, full_page=False)

    url = screen.locator("[data-join-url]").get_attribute("href")
    assert "/workshop/join/" in url
    phone = new_context(None, locale).new_page()
    phone.goto(url)
    look_at(phone, f"workshop-join-page-{locale}")
    phone.get_by_label(words["name"]).fill("Ada <b>阿达</b>")
    phone.get_by_test_id("join-submit").click()
    group = joining.workshop_group(room)
    expect(phone).to_have_url(re.compile(re.escape(reverse("chat:thread", args=[group.pk])) + "$"))
    expect(phone.locator("h1")).to_contain_text(words["group"])
    look_at(phone, f"workshop-join-landed-{locale}")

    expect(count).to_have_text("1")  # live, over the console's websocket
    expect(screen.locator("[data-stream] li").first).to_contain_text("Ada <b>阿达</b>")
    assert screen.evaluate("window.__notReloaded === true")


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_a_closed_code_says_so_on_the_phone_and_the_pages_around_joining(room, new_context, locale):
    words = WORDS[locale]
    url = reverse("workshop:join", args=[joining.token_for(joining.join_code())])
    in_thread(joining.code_change, actor=room, action="close")
    phone = new_context(None, locale).new_page()
    response = phone.goto(url)
    assert response.status == 410
    expect(phone.get_by_test_id("join-refused")).to_contain_text(words["closed"])
    look_at(phone, f"workshop-join-closed-{locale}")
    in_thread(joining.code_change, actor=room, action="open")
    phone.goto(url)
    phone.get_by_label(words["name"]).fill("Grace")
    phone.get_by_test_id("join-submit").click()
    phone.goto(reverse("workshop:keep"))
    look_at(phone, f"workshop-join-keep-{locale}")
    host = new_context(room, locale).new_page()
    host.goto(reverse("workshop:reset"))
    expect(host.get_by_test_id("reset-confirm")).to_be_visible()
    look_at(host, f"workshop-join-reset-{locale}")


def test_the_host_resets_from_the_console_and_stays_on_it(live_url, new_context, settings):
    from django.core.management import call_command

    from apps.workshop.models import Attendee

    settings.DEMO_MODE = True
    in_thread(call_command, "seed_demo", verbosity=0)
    token = joining.token_for(joining.join_code())
    in_thread(joining.join, token=token, name="Ada", address="10.0.0.1")
    host = joining.presenter()
    page = new_context(host).new_page()
    page.goto(reverse("workshop:console"))
    page.get_by_test_id("reset").click()
    page.get_by_test_id("reset-remove").check()
    page.get_by_test_id("reset-confirm").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("workshop:console")) + "$"), timeout=30_000)
    expect(page.get_by_role("status").first).to_contain_text("The sample data is back")
    expect(page.get_by_test_id("join-count")).to_have_text("0")
    assert not Attendee.objects.exists()
    assert joining.presenter().pk != host.pk  # the cast was made anew, and the presenter is still logged in
