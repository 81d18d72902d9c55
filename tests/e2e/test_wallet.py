"""Wallet in the browser: a lucky red packet grabbed by two people, paying a merchant's receive code,
and every wallet page at phone width in both languages (screenshots in artifacts/screens/)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.wallet import services
from tests.conftest import settle, watched_page
from tests.wallet.conftest import PIN, key

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"


@pytest.fixture
def ready(cast):
    from django.contrib.auth.hashers import make_password

    from apps.wallet.models import PaymentProfile

    hashed = make_password(PIN)
    for user in cast.values():
        PaymentProfile.objects.update_or_create(user=user, defaults={"pin_hash": hashed})
    return cast


def test_lucky_packet_in_a_group_two_people_grab_and_see_the_best_luck(new_context, ready):
    from apps.chat import seed as chat_seed
    from apps.chat.models import Conversation

    chat_seed.seed()
    group = Conversation.objects.get(name="Workshop 2026")
    liwei, wangfang, emma = ready["liwei"], ready["wangfang"], ready["emma"]
    services.topup(actor=liwei, amount="100", pin=PIN, idempotency_key=key())

    sender = new_context(liwei).new_page()
    sender.goto(f"/chats/{group.pk}/")
    sender.get_by_test_id("composer-plus").click()
    sender.get_by_test_id("action-red_packet").click()
    # What the amount means follows the kind: each share for a normal packet, the total for a lucky one.
    sender.get_by_label("Normal red packet").check()
    expect(sender.get_by_label("Amount each (¥)")).to_be_visible()
    sender.get_by_label("Lucky red packet").check()
    sender.get_by_label("Total (¥)").fill("10")
    sender.get_by_label("Quantity").fill("2")
    sender.get_by_label("Greeting").fill("Lucky draw!")
    sender.get_by_label("Payment PIN").fill(PIN)
    sender.get_by_test_id("pay").click()
    expect(sender).to_have_url(re.compile(rf"/chats/{group.pk}/$"))
    expect(sender.locator("a[data-packet]").last).to_contain_text("Lucky draw!")

    packet_id = sender.locator("a[data-packet]").last.get_attribute("data-packet")
    details = sender.context.new_page()  # the sender watches the details page while others grab
    details.goto(f"/wallet/packets/{packet_id}/")

    shares = []
    for person in (wangfang, emma):
        page = new_context(person).new_page()
        page.goto(f"/chats/{group.pk}/")
        page.locator("a[data-packet]").last.click()
        page.get_by_test_id("open-packet").click()
        expect(page.get_by_test_id("my-share")).to_be_visible()
        shares.append(page)
    expect(shares[1].get_by_test_id("best-luck")).to_have_count(1)
    # Without reloading: the first grabber's page gets the final list, the sender's details page every grab,
    # and the card in the chat its new state.
    expect(shares[0].get_by_test_id("best-luck")).to_have_count(1)
    expect(shares[0].get_by_test_id("packet-summary")).to_contain_text("all taken in")
    expect(details.get_by_test_id("best-luck")).to_have_count(1)
    expect(details.get_by_text(emma.display_name)).to_be_visible()
    expect(sender.locator("a[data-packet]").last).to_contain_text("All taken")
    # The sender tapping their own emptied packet sees who got what, not "Too late".
    sender.locator("a[data-packet]").last.click()
    expect(sender).to_have_url(re.compile(rf"/wallet/packets/{packet_id}/$"))
    expect(sender.get_by_test_id("best-luck")).to_have_count(1)


def test_pay_a_merchant_by_opening_its_receive_code(new_context, ready):
    from apps.wallet.models import Account, Merchant

    liwei, sunli = ready["liwei"], ready["sunli"]
    shop = Merchant.objects.create(
        slug="jasmine-tea",
        name="Jasmine Tea House",
        name_zh="茉莉茶坊",
        owner=sunli,
        account=Account.objects.create(kind=Account.Kind.MERCHANT, owner=sunli),
    )
    services.topup(actor=liwei, amount="50", pin=PIN, idempotency_key=key())
    owner = new_context(sunli).new_page()
    owner.goto(f"/wallet/merchants/{shop.slug}/")
    owner.wait_for_function("window.Realtime && document.body.dataset.ws")
    payer = new_context(liwei).new_page()
    payer.goto(f"/wallet/merchants/{shop.slug}/")
    payer.get_by_test_id("merchant-pay-link").click()
    payer.get_by_label("Amount (¥)").fill("18")
    payer.get_by_label("Payment PIN").fill(PIN)
    payer.get_by_test_id("pay").click()
    expect(payer.locator(".record-head")).to_contain_text("-¥18.00")
    expect(owner.locator("[data-received]")).to_contain_text("¥18.00")
    expect(owner.locator(".toast")).to_contain_text("Received ¥18.00")
    shop.account.refresh_from_db()
    assert shop.account.balance == 18_00


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_wallet_pages_at_phone_width(new_context, db, locale, transactional_db):
    from django.core.management import call_command

    from apps.accounts.models import User
    from apps.chat.models import Message
    from apps.wallet.models import Grab, RedPacket, Transaction, Transfer

    call_command("seed_demo", verbosity=0)
    liwei = User.objects.get(username="liwei")
    packet = RedPacket.objects.first()
    for name in ("emma", "tom", "sunli", "zhouxin", "chenjing", "liwei"):
        if not Grab.objects.filter(packet=packet, user__username=name).exists():
            services.packet_grab(actor=User.objects.get(username=name), pk=packet.pk)
    transfer = Transfer.objects.filter(status="pending").first()
    record = Transaction.objects.filter(initiator=liwei, kind="payment").first()
    paths = [
        "/wallet/",
        "/wallet/topup/",
        "/wallet/withdraw/",
        "/wallet/statement/",
        f"/wallet/records/{record.pk}/",
        "/wallet/pin/",
        f"/wallet/transfers/{transfer.pk}/",
        "/wallet/transfer/to/wangfang/",
        f"/wallet/packets/new/{packet.conversation_id}/",
        f"/wallet/packets/{packet.pk}/",
        "/wallet/receive/?amount=8.8",
        "/wallet/merchants/",
        "/wallet/merchants/jasmine-tea/",
        f"/chats/{packet.conversation_id}/",
        f"/chats/{Message.objects.get(pk=transfer.message_id).conversation_id}/",
    ]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = watched_page(new_context(liwei, locale))
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    for i, path in enumerate(paths):
        assert page.goto(path).ok, path
        settle(page)
        name = f"wallet-{i:02d}-" + re.sub(r"[^a-z_]+", "_", re.sub(r"\d+", "", path.strip("/"))).strip("_")
        page.screenshot(path=str(SHOTS / f"{locale}-{name}.png"), full_page=True)
    # The open modal on a packet sophie hasn't opened yet
    services.topup(actor=liwei, amount="20", pin="123456", idempotency_key=key())
    services.packet_create(
        actor=liwei,
        conversation_id=packet.conversation_id,
        kind="normal",
        amount="5",
        count=3,
        note="Happy Monday 周一快乐",
        pin="123456",
        idempotency_key=key(),
    )
    other = new_context(User.objects.get(username="sophie"), locale).new_page()
    other.goto(f"/chats/{packet.conversation_id}/")
    other.locator("a[data-packet]").last.click()
    other.get_by_test_id("open-packet").wait_for()
    other.screenshot(path=str(SHOTS / f"{locale}-wallet-open-modal.png"))
    other.keyboard.press("Escape")
    other.get_by_test_id("composer-plus").click()
    other.get_by_test_id("action-red_packet").wait_for()
    other.screenshot(path=str(SHOTS / f"{locale}-wallet-plus-panel.png"))
    assert problems == []


def test_transfer_from_a_chat_accepted_and_the_card_updates_live(new_context, ready):
    from apps.chat import services as chat

    liwei, wangfang = ready["liwei"], ready["wangfang"]
    services.topup(actor=liwei, amount="100", pin=PIN, idempotency_key=key())
    conv = chat.conversation_direct_get_or_create(a=liwei, b=wangfang)
    sender = new_context(liwei).new_page()
    sender.goto(f"/chats/{conv.pk}/")
    sender.get_by_test_id("composer-plus").click()
    sender.get_by_test_id("action-transfer").click()
    sender.get_by_label("Amount (¥)").fill("12.50")
    sender.get_by_label("Note").fill("Tea")
    sender.get_by_label("Payment PIN").fill(PIN)
    sender.get_by_test_id("pay").click()
    expect(sender.get_by_test_id("transfer-amount")).to_have_text("¥12.50")
    sender.goto(f"/chats/{conv.pk}/")
    card = sender.locator("a[data-transfer]").last
    expect(card).to_contain_text("Tea")
    expect(sender.locator("html[data-realtime=open]")).to_have_count(1)

    recipient = new_context(wangfang, "zh-hans").new_page()
    problems = []
    recipient.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    recipient.on("requestfailed", lambda r: problems.append(f"{r.method} {r.url}: {r.failure}"))
    recipient.goto(f"/chats/{conv.pk}/")
    recipient.locator("a[data-transfer]").last.click()
    # The page catches up once its socket opens (a pending transfer may have moved since its render); a person
    # reads the card first, and a click that left during that fetch would cut it short (a failed request here).
    expect(recipient.locator("html[data-realtime=open]")).to_have_count(1)
    recipient.wait_for_load_state("networkidle")
    recipient.get_by_test_id("accept").click()
    expect(recipient.locator(".transfer-head")).to_contain_text("已收款")
    recipient.wait_for_load_state("networkidle")
    assert problems == []  # the live "accepted" event does not reload the page under its own POST
    expect(card).to_contain_text("Accepted")  # live on the sender's open chat
    assert services.account_for(wangfang).balance == 12_50


def test_statement_month_filter_has_a_visible_label(new_context, ready):
    page = new_context(ready["liwei"]).new_page()
    page.goto("/wallet/statement/")
    month = page.get_by_label("Month", exact=True)
    expect(month).to_have_attribute("type", "month")
    expect(page.locator("label.filter-month")).to_be_visible()
    expect(page.locator("label.filter-month")).to_contain_text("Month")
    # Picking a month filters at once (the filters submit on change).
    month.fill("2026-01")
    expect(page).to_have_url(re.compile(r"month=2026-01"))


def test_red_packet_modal_traps_focus_and_gives_it_back(new_context, ready):
    from apps.chat import services as chat

    liwei, wangfang = ready["liwei"], ready["wangfang"]
    services.topup(actor=liwei, amount="10", pin=PIN, idempotency_key=key())
    conv = chat.conversation_direct_get_or_create(a=liwei, b=wangfang)
    services.packet_create(
        actor=liwei,
        conversation_id=conv.pk,
        kind="normal",
        amount="1",
        count=1,
        note="新年好",
        pin=PIN,
        idempotency_key=key(),
    )
    page = new_context(wangfang).new_page()
    page.goto(f"/chats/{conv.pk}/")
    card = page.locator("a[data-packet]").last
    card.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="新年好")
    expect(dialog).to_be_visible()
    expect(page.get_by_test_id("open-packet")).to_be_focused()
    for _ in range(5):
        page.keyboard.press("Tab")
        assert page.evaluate("() => !!document.activeElement.closest('[data-rp-modal]')")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(card).to_be_focused()
