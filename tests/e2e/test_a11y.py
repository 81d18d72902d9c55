"""axe-core finds no accessibility violation on any page, logged out and logged in, in both languages.

The pages are the demo's own (seed_demo), with a fully taken red packet and a transfer, so the faded card
shades are checked too. Open states (a message's action sheet, the red packet's open modal) are pages too.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from apps.accounts.models import User
from apps.bottles import services as bottles
from apps.nearby import grid
from apps.nearby import services as nearby
from apps.wallet import services as wallet
from tests.conftest import settle, watched_page

axe = Axe()
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"


@dataclass
class Demo:
    chat_with_cards: int
    group: int
    taken_packet: int
    open_packet: int
    transfer: int
    transfer_chat: int
    record: int
    bottle_chat: int


@pytest.fixture
def demo(transactional_db, settings):
    from apps.chat.models import Conversation, Message
    from apps.wallet.models import Grab, RedPacket, Transaction, Transfer

    call_command("seed_demo", verbosity=0)
    people = {u.username: u for u in User.objects.all()}
    liwei = people["liwei"]
    packet = RedPacket.objects.first()
    for name in ("emma", "tom", "sunli", "zhouxin", "chenjing", "liwei", "wangfang", "zhangmin"):
        if (
            RedPacket.objects.get(pk=packet.pk).remaining_count
            and not Grab.objects.filter(packet=packet, user=people[name]).exists()
        ):
            wallet.packet_grab(actor=people[name], pk=packet.pk)
    fresh = wallet.packet_create(
        actor=liwei,
        conversation_id=packet.conversation_id,
        kind="normal",
        amount="1",
        count=3,
        note="Happy Monday 周一快乐",
        pin="123456",
        idempotency_key="a11y-packet",
    )
    transfer = Transfer.objects.filter(status="pending").first()
    # Drift bottles: Li Wei answered a stranger's (a bottle chat showing only their name, avatar and region)
    # and holds another on the beach.
    settings.BOTTLE_STARFISH_RATE = 0
    settings.BOTTLE_PICKS_PER_DAY = 100
    friends = {"wangfang", "zhangmin", "chenjing", "emma", "james"}
    found = bottles.bottle_pick(actor=liwei).bottle
    while found.thrower.username in friends:
        bottles.bottle_throw_back(actor=liwei, bottle_id=found.pk)
        found = bottles.bottle_pick(actor=liwei).bottle
    bottle_chat = bottles.bottle_reply(actor=liwei, bottle_id=found.pk, text="Hello from the beach 你好")
    bottles.bottle_pick(actor=liwei)
    # People Nearby: Li Wei at a demo spot in Shanghai, among the sample people seeded there.
    nearby.location_set(
        user=liwei, lat=grid.city_spot("shanghai", 50, 50)[0], lon=grid.city_spot("shanghai", 50, 50)[1]
    )
    return Demo(
        chat_with_cards=packet.conversation_id,
        group=Conversation.objects.filter(kind=Conversation.Kind.GROUP).first().pk,
        taken_packet=packet.pk,
        open_packet=fresh.pk,
        transfer=transfer.pk,
        transfer_chat=Message.objects.get(pk=transfer.message_id).conversation_id,
        record=Transaction.objects.filter(initiator=liwei, kind="payment").first().pk,
        bottle_chat=bottle_chat.pk,
    )


LOGGED_OUT = {"login": "/accounts/login/", "signup": "/accounts/signup/"}


def logged_in_pages(d) -> dict[str, str]:
    return {
        "chats": "/",
        "thread-group-packets": f"/chats/{d.chat_with_cards}/",
        "thread-direct-transfer": f"/chats/{d.transfer_chat}/",
        "group-info": f"/chats/{d.group}/info/",
        "group-invite": f"/chats/{d.group}/invite/",
        "chat-search": f"/chats/{d.group}/search/?q=a",
        "new-group": "/chats/new/",
        "groups": "/chats/groups/",
        "chat-settings": "/chats/settings/",
        "contacts": "/accounts/contacts/",
        "new-friends": "/accounts/contacts/new/",
        "add-friend": "/accounts/contacts/add/?q=emma",
        "profile": "/accounts/u/wangfang/",
        "me": "/accounts/me/",
        "profile-edit": "/accounts/me/profile/",
        "settings": "/accounts/me/settings/",
        "blocked": "/accounts/me/blocked/",
        "my-qr": "/accounts/me/qr/",
        "password": "/accounts/password/",
        "discover": "/discover/",
        "scan": "/scan/",
        "wallet": "/wallet/",
        "topup": "/wallet/topup/",
        "withdraw": "/wallet/withdraw/",
        "statement": "/wallet/statement/",
        "record": f"/wallet/records/{d.record}/",
        "pin": "/wallet/pin/",
        "transfer": f"/wallet/transfers/{d.transfer}/",
        "transfer-new": "/wallet/transfer/to/wangfang/",
        "packet-new": f"/wallet/packets/new/{d.chat_with_cards}/",
        "packet-taken": f"/wallet/packets/{d.taken_packet}/",
        "receive": "/wallet/receive/?amount=8.8",
        "merchants": "/wallet/merchants/",
        "merchant": "/wallet/merchants/jasmine-tea/",
        "bottles-beach-holding": "/bottles/",
        "bottles-throw": "/bottles/throw/",
        "bottles-mine": "/bottles/mine/",
        "bottle-chat": f"/chats/{d.bottle_chat}/",
        "bottle-chat-info": f"/chats/{d.bottle_chat}/info/",
        "nearby": "/nearby/",
        "nearby-location": "/nearby/location/",
        "nearby-shake": "/nearby/shake/",
    }


def shoot(page, name: str, locale: str) -> None:
    """The page at 390 and 320 px wide, for a person to look at: artifacts/screens/<page>-<lang>-<width>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 844})
        page.screenshot(path=str(SHOTS / f"{name}-{locale}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})


def violations_on(page, where: str, locale: str) -> list[str]:
    """axe's violations on the page as it is now, one readable line per element (and its screenshots)."""
    settle(page)
    found = axe.run(page).response["violations"]
    shoot(page, where, locale)
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']}\n    {node['target']} {node['failureSummary']}"
        for v in found
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_no_accessibility_violation_on_any_page(new_context, demo, locale):
    problems: list[str] = []
    visitor = watched_page(new_context(None, locale))
    for name, path in LOGGED_OUT.items():
        assert visitor.goto(path).ok, path
        problems += violations_on(visitor, name, locale)

    page = watched_page(new_context(User.objects.get(username="liwei"), locale))
    for name, path in logged_in_pages(demo).items():
        assert page.goto(path).ok, path
        problems += violations_on(page, name, locale)

    # Pages reached by a link with a token in it: paying a merchant's code.
    page.goto("/wallet/merchants/jasmine-tea/")
    page.get_by_test_id("merchant-pay-link").click()
    problems += violations_on(page, "pay", locale)

    # Open states: a message's action sheet, and the red packet's open modal (someone who has not opened it).
    page.goto(f"/chats/{demo.chat_with_cards}/")
    page.locator("[data-bubble]").first.focus()
    page.keyboard.press("Enter")
    page.locator("[data-sheet]").wait_for()
    problems += violations_on(page, "action-sheet", locale)
    page.keyboard.press("Escape")
    page.get_by_role("button", name=re.compile("Stickers|表情")).click()
    page.get_by_test_id("composer-plus").click()
    problems += violations_on(page, "composer-panels", locale)
    sophie = watched_page(new_context(User.objects.get(username="sophie"), locale))
    sophie.goto(f"/chats/{demo.chat_with_cards}/")
    sophie.locator(f'a[data-packet="{demo.open_packet}"]').click()
    sophie.get_by_test_id("open-packet").wait_for()
    problems += violations_on(sophie, "packet-modal", locale)
    sophie.goto("/bottles/?net=starfish")  # the beach with empty hands, after a starfish
    problems += violations_on(sophie, "bottles-beach-starfish", locale)
    tom = watched_page(new_context(User.objects.get(username="tom"), locale))
    tom.goto("/nearby/")  # someone who has not joined People Nearby: the opt-in page
    problems += violations_on(tom, "nearby-opt-in", locale)
    page.goto("/nearby/")
    page.get_by_test_id("say-hi").first.click()  # the greeting form, open
    problems += violations_on(page, "nearby-say-hi", locale)

    assert not problems, f"{len(problems)} accessibility violation(s):\n" + "\n".join(problems)
