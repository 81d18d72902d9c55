"""'Wang Fang opened your red packet': in a group, only the packet's sender and its grabber see the line,
live and after a reload; screenshots of the sender's chat in artifacts/screens/."""

import pytest
from django.contrib.auth.hashers import make_password
from playwright.sync_api import expect

from apps.chat import services as chat
from apps.wallet import services as wallet
from apps.wallet.models import PaymentProfile
from tests.conftest import SCREENS, in_thread
from tests.wallet.conftest import PIN, key


@pytest.fixture
def packet_group(liwei, wangfang, zhangmin, chenjing):
    """Li Wei's group with Wang Fang, Zhang Min and Chen Jing, and Li Wei's lucky packet of 2 shares in it."""
    group = in_thread(
        chat.group_create, actor=liwei, member_ids=[wangfang.pk, zhangmin.pk, chenjing.pk], name="Team"
    )
    PaymentProfile.objects.update_or_create(user=liwei, defaults={"pin_hash": make_password(PIN)})
    in_thread(wallet.topup, actor=liwei, amount="100", pin=PIN, idempotency_key=key())
    packet = in_thread(
        wallet.packet_create,
        actor=liwei,
        conversation_id=group.pk,
        kind="lucky",
        amount="10",
        count=2,
        note="Lucky draw!",
        pin=PIN,
        idempotency_key=key(),
    )
    return group, packet


def _open(new_context, user, group, locale="en"):
    page = new_context(user, locale).new_page()
    page.goto(f"/chats/{group.pk}/")
    expect(page.locator("html[data-realtime=open]")).to_have_count(1)
    return page


def test_only_the_sender_and_the_grabber_see_who_opened_it(
    new_context, packet_group, liwei, wangfang, zhangmin, chenjing
):
    group, packet = packet_group
    sender, grabber, bystander = (_open(new_context, u, group) for u in (liwei, wangfang, zhangmin))

    in_thread(wallet.packet_grab, actor=wangfang, pk=packet.pk)
    expect(sender.locator(".notice")).to_have_text(["王芳 opened your red packet"])
    expect(grabber.locator(".notice")).to_have_text(["You opened 李伟's red packet"])
    # Right under the packet's card, which was the chat's last message.
    card = sender.locator(".msg[data-seq]").last
    expect(card).to_contain_text("Lucky draw!")
    expect(card.locator("xpath=following-sibling::*[1]")).to_have_text("王芳 opened your red packet")

    in_thread(wallet.packet_grab, actor=chenjing, pk=packet.pk)  # the last share
    expect(sender.locator(".notice")).to_have_text(
        [
            "王芳 opened your red packet",
            "陈静 opened your red packet",
            "Your red packet has been fully claimed",
        ]
    )
    expect(grabber.locator(".notice")).to_have_count(1)
    # The third member hears of none of it, live or after a reload.
    expect(bystander.locator(".msg[data-seq]").last).to_contain_text("Lucky draw!")
    expect(bystander.locator(".notice")).to_have_count(0)
    bystander.reload()
    expect(bystander.locator(".msg[data-seq]").last).to_contain_text("Lucky draw!")
    expect(bystander.locator(".notice")).to_have_count(0)
    # From the page's own data after a reload: each line once, still after the card.
    sender.reload()
    expect(sender.locator(".notice")).to_have_count(3)
    in_thread(chat.message_send, sender=zhangmin, conversation=group, text="Congrats!")
    # A newer message goes below the lines, which stay under the card.
    expect(sender.locator(".messages > *").last).to_contain_text("Congrats!")
    card = sender.locator(".msg[data-seq]", has_text="Lucky draw!")
    expect(card.locator("xpath=following-sibling::*[1]")).to_have_text("王芳 opened your red packet")


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_screens_of_the_senders_chat_with_the_notices(
    new_context, packet_group, liwei, wangfang, chenjing, locale
):
    group, packet = packet_group
    for person in (wangfang, chenjing):
        in_thread(wallet.packet_grab, actor=person, pk=packet.pk)
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width in (390, 320):
        page = new_context(liwei, locale, width=width).new_page()
        page.goto(f"/chats/{group.pk}/")
        expect(page.locator("html[data-realtime=open]")).to_have_count(1)
        expect(page.locator(".notice")).to_have_count(3)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SCREENS / f"packet-notices-{locale}-{width}.png"))
