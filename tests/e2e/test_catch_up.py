"""Pages that follow a live object catch up when their socket opens: what happened between the server's render
and the socket's opening was pushed to nobody (the chat's own cases are in test_chat.py)."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.bottles import services as bottles
from apps.chat import services as chat
from apps.core import clock
from apps.wallet import services as wallet
from apps.wallet.models import PaymentProfile
from tests.conftest import in_thread, open_with_the_socket_held
from tests.wallet.conftest import PIN, key


@pytest.fixture
def payer(liwei):
    PaymentProfile.objects.update_or_create(user=liwei, defaults={"pin_hash": make_password(PIN)})
    in_thread(wallet.topup, actor=liwei, amount="100", pin=PIN, idempotency_key=key())
    return liwei


def test_a_red_packets_page_shows_a_grab_made_before_its_socket_opened(
    new_context, payer, wangfang, zhangmin
):
    group = in_thread(chat.group_create, actor=payer, member_ids=[wangfang.pk, zhangmin.pk], name="Team")
    packet = in_thread(
        wallet.packet_create, actor=payer, conversation_id=group.pk, kind="lucky", amount="10", count=2,
        note="Lucky draw!", pin=PIN, idempotency_key=key(),
    )  # fmt: skip
    in_thread(wallet.packet_grab, actor=wangfang, pk=packet.pk)
    page = new_context(payer).new_page()
    release = open_with_the_socket_held(page, f"/wallet/packets/{packet.pk}/")
    expect(page.locator(".grabs li.grab")).to_have_count(1)
    in_thread(wallet.packet_grab, actor=zhangmin, pk=packet.pk)  # the last share, in the gap
    release()
    expect(page.locator(".grabs li.grab")).to_have_count(2)


def test_a_transfers_page_shows_it_accepted_before_its_socket_opened(new_context, payer, wangfang):
    transfer = in_thread(
        wallet.transfer_create, actor=payer, to=wangfang, amount="12.50", note="Tea", pin=PIN,
        idempotency_key=key(),
    )  # fmt: skip
    page = new_context(payer).new_page()
    release = open_with_the_socket_held(page, f"/wallet/transfers/{transfer.pk}/")
    expect(page.locator("[data-transfer-page]")).to_have_attribute("data-state", "pending")
    in_thread(wallet.transfer_accept, actor=wangfang, pk=transfer.pk)
    release()
    expect(page.locator("[data-transfer-page]")).to_have_attribute("data-state", "accepted")


def test_my_bottles_shows_a_reply_made_before_its_socket_opened(new_context, emma, tom, settings):
    settings.BOTTLE_STARFISH_RATE = 0
    User.objects.filter(pk__in=[emma.pk, tom.pk]).update(date_joined=clock.now() - timedelta(days=30))
    bottle = in_thread(bottles.bottle_throw, actor=emma, text="What season is it where you are?")
    assert in_thread(bottles.bottle_pick, actor=tom).bottle.pk == bottle.pk
    page = new_context(emma).new_page()
    release = open_with_the_socket_held(page, "/bottles/mine/")
    mine = page.get_by_test_id("my-bottle")
    expect(mine.locator("[data-state]")).to_have_attribute("data-state", "held")
    in_thread(bottles.bottle_reply, actor=tom, bottle_id=bottle.pk, text="Summer here!")
    release()
    expect(mine.locator("[data-state]")).to_have_attribute("data-state", "replied")
    expect(mine).to_contain_text("Summer here!")
