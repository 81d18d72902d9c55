"""Phones side by side on a projector (1280×720): the demo host's one browser shows Emma on phone 1 and, picked
from phone 2's list, Tom; Emma sends Tom a chat message and it appears on Tom's phone live, inside the frames,
while the host's own window stays the host's. A red packet grabbed and a shake matched between phones. Both
languages, axe-clean; screenshots in artifacts/screens/workshop-phones-*."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from apps.accounts import services as accounts
from apps.chat import services as chat
from apps.workshop import seed as workshop_seed
from tests.conftest import in_thread, look_at, session_key_for

PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture
def demo_host(cast, settings):
    settings.DEMO_MODE = True
    workshop_seed.seed()
    return cast["james"]


@pytest.fixture
def projector(browser, live_url):
    contexts = []

    def open_page(user, path, locale="en"):
        context = browser.new_context(base_url=live_url, locale=locale, viewport=PROJECTOR)
        context.set_default_timeout(10_000)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session_key_for(user), "url": live_url}]
        )
        if locale != "en":
            context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": locale, "url": live_url}])
        contexts.append(context)
        page = context.new_page()
        page.goto(path)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_phone_one_sends_tom_a_message_and_phone_two_shows_it_live(demo_host, projector, emma, tom):
    request = in_thread(accounts.friend_request_send, sender=emma, recipient=tom)
    in_thread(accounts.friend_request_accept, actor=tom, request_id=request.pk)
    conv = chat.conversation_direct_get_or_create(a=emma, b=tom)

    page = projector(demo_host, "/workshop/phones/")
    phone1, phone2 = page.frame_locator('[name="phone-1"]'), page.frame_locator('[name="phone-2"]')
    expect(page.get_by_label("Who is on phone 1")).to_have_value("emma")
    expect(phone1.locator("html[data-realtime=open]")).to_have_count(1)
    # Phone 2 opens as Li Wei; picking Tom switches that phone alone, and the address keeps the choice.
    page.get_by_label("Who is on phone 2").select_option("tom")
    expect(page).to_have_url(re.compile(r"p2=tom"))
    expect(phone2.locator("html[data-realtime=open]")).to_have_count(1)

    page.frame(name="phone-1").goto(f"/phone/1/chats/{conv.pk}/")
    page.frame(name="phone-2").goto(f"/phone/2/chats/{conv.pk}/")
    for phone in (phone1, phone2):
        expect(phone.locator("html[data-realtime=open]")).to_have_count(1)
    expect(phone2.locator("h1", has_text="Emma Wilson")).to_have_count(1)  # Tom's phone: the chat with Emma
    page.frame(name="phone-2").evaluate("window.__notReloaded = true")

    phone1.get_by_label("Message").fill("Hi Tom, see you at the workshop!")
    phone1.get_by_role("button", name="Send").click()
    expect(phone1.locator(".msg.mine .bubble", has_text="see you at the workshop")).to_have_count(1)
    expect(phone2.locator(".msg.theirs .bubble", has_text="see you at the workshop")).to_have_count(1)
    assert page.frame(name="phone-2").evaluate("window.__notReloaded") is True  # live, not reloaded
    look_at(page, "workshop-phones-en", width=1280, full_page=False)

    # The frames' sockets are the slots' own: each at /phone/<n>/ws/.
    assert page.frame(name="phone-1").evaluate("document.body.dataset.ws") == "/phone/1/ws/"
    assert page.frame(name="phone-2").evaluate("Realtime.root") == "/phone/2/"
    # The host's own window is still the host's.
    mine = page.context.new_page()
    mine.goto("/accounts/me/")
    expect(mine.get_by_text("James Taylor")).to_have_count(1)


def test_the_page_in_chinese(demo_host, projector):
    page = projector(demo_host, "/workshop/phones/?n=3", locale="zh-hans")
    expect(page.locator("iframe")).to_have_count(3)
    for n in (1, 2, 3):
        expect(page.frame_locator(f'[name="phone-{n}"]').locator("html[data-realtime=open]")).to_have_count(1)
    expect(page.frame_locator('[name="phone-1"]').locator("html[lang=zh-Hans]")).to_have_count(1)
    look_at(page, "workshop-phones-zh", width=1280, full_page=False)


def test_an_attendee_never_sees_the_phones(demo_host, projector, emma, live_url):
    page = projector(emma, "/workshop/phones/")
    assert "/workshop/phones/" in page.url
    expect(page.locator("iframe")).to_have_count(0)
    assert page.goto("/phone/1/").status == 404


def test_a_red_packet_grab_between_two_phones(demo_host, projector, cast):
    """The wallet's own JS (the packet's state, the grab with its CSRF token) works inside the frames."""
    from django.contrib.auth.hashers import make_password

    from apps.chat import services as chat
    from apps.wallet import services as wallet
    from apps.wallet.models import Grab, PaymentProfile
    from tests.wallet.conftest import PIN, key

    liwei = cast["liwei"]
    group = chat.group_create(actor=liwei, member_ids=[cast["wangfang"].pk, cast["emma"].pk], name="Storm")
    PaymentProfile.objects.update_or_create(user=liwei, defaults={"pin_hash": make_password(PIN)})
    wallet.topup(actor=liwei, amount="100", pin=PIN, idempotency_key=key())

    page = projector(demo_host, "/workshop/phones/?n=3&p1=wangfang&p2=emma&p3=liwei")
    for n in (1, 2):
        page.frame(name=f"phone-{n}").goto(f"/phone/{n}/chats/{group.pk}/")
        expect(page.frame_locator(f'[name="phone-{n}"]').locator("html[data-realtime=open]")).to_have_count(1)
    packet = in_thread(
        wallet.packet_create,
        actor=liwei,
        conversation_id=group.pk,
        kind="lucky",
        amount="10",
        count=2,
        note="Red packet storm!",
        pin=PIN,
        idempotency_key=key(),
    )
    for n in (1, 2):
        phone = page.frame_locator(f'[name="phone-{n}"]')
        card = phone.locator("a[data-packet]", has_text="Red packet storm!")
        expect(card).to_have_count(1)  # arrived live
        card.click()
        phone.get_by_test_id("open-packet").click()
        expect(phone.get_by_test_id("my-share")).to_be_visible()
    expect(page.frame_locator('[name="phone-2"]').get_by_test_id("best-luck")).to_have_count(1)
    # The phones' people grabbed, not the presenter whose browser it is.
    grabbers = set(Grab.objects.filter(packet_id=packet.pk).values_list("user__username", flat=True))
    assert grabbers == {"wangfang", "emma"}


def test_a_shake_match_between_two_phones(demo_host, projector, emma, tom, settings):
    """Shake's own page and JS (its result URL built from a data attribute) inside the frames."""
    from apps.nearby import grid
    from apps.nearby import services as nearby

    settings.SHAKE_WINDOW_SECONDS = 20  # both taps land in one window however slow the machine
    for person, x in ((emma, 50), (tom, 52)):
        lat, lon = grid.city_spot("shanghai", x, 50)
        nearby.location_set(user=person, lat=lat, lon=lon)
    page = projector(demo_host, "/workshop/phones/?n=3&p1=emma&p2=tom")
    for n in (1, 2):
        page.frame(name=f"phone-{n}").goto(f"/phone/{n}/nearby/shake/")
        expect(page.frame_locator(f'[name="phone-{n}"]').locator("html[data-realtime=open]")).to_have_count(1)
    page.frame_locator('[name="phone-1"]').get_by_test_id("shake").click()
    page.frame_locator('[name="phone-2"]').get_by_test_id("shake").click()
    for n, other in ((1, "Tom McDonald"), (2, "Emma Wilson")):
        expect(page.frame_locator(f'[name="phone-{n}"]').get_by_test_id("shake-match")).to_contain_text(other)
