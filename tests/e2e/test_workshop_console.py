"""The presenter's console on a projector (1280×720): a Weibo post from an attendee's phone and a chat message
appear on it live, counters moving, without a reload; the time machine's buttons move the clock. Both
languages, axe-clean; screenshots in artifacts/screens/workshop-console-*."""

import threading

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect

from apps.chat import services as chat
from apps.core import clock
from apps.workshop import console
from apps.workshop import seed as workshop_seed
from tests.conftest import in_thread, look_at, session_key_for

PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture
def ticking():
    """The server's periodic console job (the test server runs no lifespan): a tick every 0.2 s."""
    done = threading.Event()

    def run():
        try:
            while not done.wait(0.2):
                console.tick()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    done.set()
    thread.join(timeout=5)


@pytest.fixture
def projector(browser, live_url):
    contexts = []

    def open_console(user, locale="en"):
        context = browser.new_context(base_url=live_url, locale=locale, viewport=PROJECTOR)
        context.set_default_timeout(10_000)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session_key_for(user), "url": live_url}]
        )
        if locale != "en":
            context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": locale, "url": live_url}])
        contexts.append(context)
        page = context.new_page()
        page.goto("/workshop/")
        expect(page.locator("html[data-realtime=open]")).to_have_count(1)
        page.evaluate("window.__notReloaded = true")
        return page

    yield open_console
    for context in contexts:
        context.close()


@pytest.fixture
def demo_host(cast, settings):
    settings.DEMO_MODE = True
    workshop_seed.seed()
    return cast["james"]


def count_of(page, key):
    return page.locator(f'[data-counter="{key}"] [data-count]')


def test_a_post_from_a_phone_and_a_chat_message_appear_on_the_console_live(
    demo_host, projector, new_context, emma, liwei, wangfang, ticking
):
    screen = projector(demo_host)
    posts_before = int(count_of(screen, "weibo").inner_text())
    messages_before = int(count_of(screen, "chat").inner_text())
    look_at(screen, "workshop-console-en", width=1280, full_page=False)

    phone = new_context(emma).new_page()
    phone.goto("/weibo/compose/")
    phone.locator("#post-text").fill("#上海下雪了# Snow on the Bund, live from the workshop")
    phone.get_by_role("button", name="Post").click()
    stream = screen.locator("[data-stream]")
    expect(stream.locator("li").first).to_contain_text(
        "Emma Wilson posted on Weibo: #上海下雪了# Snow on the Bund"
    )
    expect(count_of(screen, "weibo")).to_have_text(str(posts_before + 1))

    def say():
        try:
            conv = chat.conversation_direct_get_or_create(a=liwei, b=wangfang)
            chat.message_send(sender=liwei, conversation=conv, text="not for the big screen")
        finally:
            connection.close()

    in_thread(say)
    expect(stream.locator("li").first).to_contain_text(f"{liwei} sent a private message")
    expect(count_of(screen, "chat")).to_have_text(str(messages_before + 1))
    expect(stream).not_to_contain_text("not for the big screen")
    assert screen.evaluate("window.__notReloaded === true")  # live, not reloaded
    look_at(screen, "workshop-console-live-en", width=1280, full_page=False)


def test_a_busy_room_keeps_the_console_to_one_screen(demo_host, projector, cast, ticking):
    screen = projector(demo_host)
    before = int(count_of(screen, "chat").inner_text())

    def chatter(a, b):
        try:
            conv = chat.conversation_direct_get_or_create(a=cast[a], b=cast[b])
            for n in range(10):
                chat.message_send(sender=cast[a], conversation=conv, text=f"hello {n}")
        finally:
            connection.close()  # (the thread's connection back to the pool)

    # Three bursts, each seen before the next: each source streams its newest 8 lines a tick at most (a burst
    # shows its end, the counter all of it), so the stream holds at least 24 lines, more than a screen.
    for burst, pair in enumerate((("liwei", "wangfang"), ("wangfang", "zhangmin"), ("zhangmin", "zhouxin"))):
        in_thread(chatter, *pair)
        expect(count_of(screen, "chat")).to_have_text(str(before + 10 * (burst + 1)))
    assert screen.locator("[data-stream] li").count() >= 24
    assert screen.evaluate("document.documentElement.scrollHeight") <= PROJECTOR["height"]
    look_at(screen, "workshop-console-busy-en", width=1280, full_page=False)


def test_the_console_in_chinese_and_on_a_phone(demo_host, projector, new_context, ticking):
    screen = projector(demo_host, "zh-hans")
    expect(screen.get_by_role("heading", name="演示控制台")).to_be_visible()
    look_at(screen, "workshop-console-zh", width=1280, full_page=False)
    phone = new_context(demo_host).new_page()
    phone.goto("/workshop/")
    expect(phone.get_by_role("heading", name="Workshop console")).to_be_visible()
    look_at(phone, "workshop-console-phone-en")


def test_the_time_machine_buttons_move_the_clock_and_back(demo_host, projector):
    screen = projector(demo_host)
    screen.get_by_test_id("jump-day").click()
    expect(screen.locator("[data-moved]")).to_be_visible()
    expect(screen.get_by_role("status").first).to_contain_text("The clock moved")
    assert round(clock.offset().total_seconds()) == 86400
    look_at(screen, "workshop-console-moved-en", width=1280, full_page=False)
    screen.get_by_test_id("jump-now").click()
    expect(screen.locator("[data-moved]")).to_be_hidden()
    assert round(clock.offset().total_seconds()) == 0


def test_an_attendee_opening_the_console_gets_forbidden(demo_host, new_context, emma):
    page = new_context(emma).new_page()
    response = page.goto("/workshop/")
    assert response.status == 403


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_an_explainer_full_screen_on_the_projector(demo_host, projector, locale):
    screen = projector(demo_host, locale)
    screen.locator('a[href="/workshop/explain/bottles/"]').click()
    expect(screen.locator("[data-explainer=bottles]")).to_be_visible()
    look_at(screen, f"workshop-explainer-{locale}", width=1280, full_page=False)


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_about_this_feature_opens_on_a_feature_page(new_context, emma, locale):
    page = new_context(emma, locale).new_page()
    page.goto("/bottles/")
    card = page.locator("[data-explainer=bottles]")
    card.locator("summary").click()
    expect(card.locator("li").first).to_be_visible()
    look_at(page, f"explainer-bottles-{locale}")
