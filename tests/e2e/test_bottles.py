"""Drift bottles on two phones: Emma throws, Tom (a stranger) picks it up and replies; Emma sees the reply live
in My bottles and in Chats, and the bottle chat shows her only Tom's name, avatar and region."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.core import clock


@pytest.fixture
def people(emma, tom):
    User.objects.filter(pk__in=[emma.pk, tom.pk]).update(date_joined=clock.now() - timedelta(days=30))
    return emma, tom


def test_one_phone_throws_another_picks_and_replies_the_first_sees_it_live(new_context, people, settings):
    settings.BOTTLE_STARFISH_RATE = 0  # this net brings up the bottle (the rate has its own tests)
    emma, tom = people
    thrower = new_context(emma).new_page()
    thrower.goto("/discover/")
    thrower.get_by_role("link", name="Drift bottles").click()
    thrower.get_by_test_id("throw-open").click()
    thrower.get_by_test_id("bottle-input").fill(
        "Hello from Auckland! <b>What season</b> is it where you are?"
    )
    expect(thrower.locator("#bottle-count")).to_contain_text("characters left")
    thrower.get_by_test_id("throw").click()
    expect(thrower.get_by_text("Your bottle is drifting out to sea.")).to_be_visible()
    expect(thrower.get_by_test_id("quota")).to_contain_text("19 throws")

    thrower.get_by_test_id("mine").click()
    row = thrower.get_by_test_id("my-bottle")
    expect(row).to_contain_text("Drifting")
    expect(thrower.locator("html[data-realtime=open]")).to_have_count(1)
    chats = new_context(emma).new_page()
    chats.goto("/")
    expect(chats.locator("html[data-realtime=open]")).to_have_count(1)

    finder = new_context(tom, "zh-hans").new_page()
    finder.goto("/bottles/")
    finder.get_by_test_id("pick").click()
    expect(finder.get_by_test_id("bottle-text")).to_have_text(
        "Hello from Auckland! <b>What season</b> is it where you are?"  # escaped: shown as text
    )
    expect(finder.get_by_test_id("held-bottle")).to_contain_text("Auckland")
    finder.get_by_test_id("reply-text").fill("约克郡是冬天 ❄️")
    finder.get_by_test_id("reply").click()
    expect(finder.get_by_test_id("bottle-chat")).to_be_visible()  # the chat, marked as a bottle's
    expect(finder.locator(".bubble", has_text="约克郡是冬天")).to_be_visible()
    expect(finder.get_by_test_id("bottle-region")).to_contain_text("Auckland")

    # Emma hears of it without reloading: in My bottles, and in her chat list.
    expect(row).to_contain_text("Replied")
    expect(row).to_contain_text("约克郡是冬天 ❄️")
    expect(chats.locator(".chat-list")).to_contain_text("约克郡是冬天")
    row.get_by_role("link", name="Open the chat").click()
    expect(thrower.locator(".bubble", has_text="约克郡是冬天")).to_be_visible()
    expect(thrower.get_by_test_id("bottle-region")).to_contain_text("Yorkshire")
    thrower.get_by_test_id("chat-info").click()
    masked = thrower.get_by_test_id("masked-member")
    expect(masked).to_contain_text(str(tom))
    expect(thrower.locator(f'a[href*="/u/{tom.public_id}/"]')).to_have_count(0)  # no profile, no public ID


def test_casting_animations_stay_still_under_reduced_motion(new_context, people, browser, live_url, settings):
    settings.BOTTLE_STARFISH_RATE = 1
    emma, _tom = people
    context = new_context(emma)
    page = context.new_page()
    page.emulate_media(reduced_motion="reduce")
    page.goto("/bottles/")
    assert page.locator(".wave").first.evaluate("n => getComputedStyle(n).animationName") == "none"
    page.get_by_test_id("pick").click()
    expect(page.get_by_test_id("starfish")).to_be_visible()
    moving = context.new_page()
    moving.goto("/bottles/")
    assert moving.locator(".wave").first.evaluate("n => getComputedStyle(n).animationName") == "bottle-wave"


def test_the_counter_counts_what_was_typed_before_the_page_script_ran(new_context, people):
    emma, _tom = people
    page = new_context(emma).new_page()
    held = []

    def hold(route):
        held.append(route)

    page.route("**/bottles*.js", hold)  # deferred: a quick typist can be first
    page.goto("/bottles/throw/", wait_until="commit")
    while not held:
        page.wait_for_timeout(20)
    page.get_by_test_id("bottle-input").fill("Hello from Auckland!")
    held[0].continue_()
    page.unroute("**/bottles*.js")
    expect(page.locator("#bottle-count")).to_contain_text("180 characters left")
