"""Two people chat live in two browsers; a recall shows on both; an @mention marks the chat list."""

import re
from urllib.parse import urlparse

from playwright.sync_api import expect

from apps.chat import services
from tests.conftest import in_thread, open_with_the_socket_held, settle, watched_page


def test_two_browsers_chat_live_read_ticks_and_recall(page_as, liwei, wangfang):
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    wei = page_as(liwei, f"/chats/{conv.pk}/")
    fang = page_as(wangfang, f"/chats/{conv.pk}/")
    for page in (wei, fang):
        expect(page.locator("html[data-realtime=open]")).to_have_count(1)

    wei.get_by_label("Message").fill("周六外滩见 <b>?</b>")
    wei.get_by_role("button", name="Send").click()
    mine = wei.locator(".msg.mine .bubble", has_text="周六外滩见")
    expect(mine).to_have_count(1)
    theirs = fang.locator(".msg.theirs .bubble", has_text="周六外滩见 <b>?</b>")  # escaped, shown as text
    expect(theirs).to_have_count(1)
    # Wang Fang has the chat open, so it is read: Li Wei sees the double tick.
    expect(wei.locator(".msg.mine .msg-meta.read")).to_have_count(1)

    fang.get_by_label("Message").fill("好的！")
    fang.get_by_label("Message").press("Enter")
    expect(wei.locator(".msg.theirs .bubble", has_text="好的！")).to_have_count(1)

    mine.click()
    wei.get_by_role("button", name="Recall").click()
    expect(wei.get_by_text("You recalled a message")).to_be_visible()
    expect(fang.get_by_text("李伟 recalled a message")).to_be_visible()
    expect(fang.locator(".bubble", has_text="周六外滩见")).to_have_count(0)
    # Nothing shown twice on either side.
    expect(fang.locator(".msg[data-seq]")).to_have_count(2)
    expect(wei.locator(".msg[data-seq]")).to_have_count(2)


def test_group_mention_shows_marker_in_the_list_live(page_as, liwei, wangfang, zhangmin, chenjing):
    group = services.group_create(
        actor=liwei, member_ids=[wangfang.pk, zhangmin.pk, chenjing.pk], name="周末爬山"
    )
    min_ = page_as(zhangmin, "/")
    expect(min_.locator("html[data-realtime=open]")).to_have_count(1)
    fang = page_as(wangfang, f"/chats/{group.pk}/")
    expect(fang.locator("html[data-realtime=open]")).to_have_count(1)
    box = fang.get_by_label("Message")
    box.press_sequentially("@张")
    fang.locator("[data-mention-picker] button", has_text="张敏").click()
    box.press_sequentially("明天几点出发？")
    fang.get_by_role("button", name="Send").click()
    row = min_.locator(f'[data-conversation="{group.pk}"]')
    expect(row.get_by_test_id("mention-mark")).to_have_text("[@me]")
    expect(row).to_contain_text("明天几点出发")
    expect(min_.locator('.tabbar [data-badge="chats"]')).to_have_text(re.compile(r"[1-9]"))
    # Opening the chat reads it: the marker goes.
    row.locator("a").click()
    expect(min_.locator(".bubble", has_text="明天几点出发")).to_be_visible()
    min_.get_by_role("link", name="Back").click()
    expect(min_.locator(f'[data-conversation="{group.pk}"]').get_by_test_id("mention-mark")).to_have_count(0)


KEEP_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  function Tracked(...args) { const s = new Native(...args); window.__sockets.push(s); return s; }
  Tracked.prototype = Native.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach((k) => { Tracked[k] = Native[k]; });
  window.WebSocket = Tracked;
})();
"""


def test_offline_sends_are_queued_and_delivered_once_on_reconnect(new_context, liwei, wangfang):
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    fang = new_context(wangfang).new_page()
    fang.goto(f"/chats/{conv.pk}/")
    context = new_context(liwei)
    context.add_init_script(KEEP_SOCKETS)
    wei = context.new_page()
    wei.goto(f"/chats/{conv.pk}/")
    for page in (wei, fang):
        expect(page.locator("html[data-realtime=open]")).to_have_count(1)
    # The network goes away (and the socket with it); Li Wei keeps typing.
    context.set_offline(True)
    wei.evaluate("() => window.__sockets.forEach((s) => s.close())")
    expect(wei.locator("[data-conn]")).to_be_visible()
    wei.get_by_label("Message").fill("sent while offline")
    wei.get_by_role("button", name="Send").click()
    expect(wei.locator(".msg.mine[data-pending]")).to_have_count(1)
    fang.get_by_label("Message").fill("are you there?")
    fang.get_by_role("button", name="Send").click()
    context.set_offline(False)
    # Back online: the queued message goes once, and what was missed arrives, in order.
    expect(fang.locator(".bubble", has_text="sent while offline")).to_have_count(1)
    expect(wei.locator(".bubble", has_text="sent while offline")).to_have_count(1)
    expect(wei.locator(".bubble", has_text="are you there?")).to_have_count(1)
    expect(wei.locator("[data-conn]")).to_be_hidden()
    expect(wei.locator(".msg[data-seq]")).to_have_count(2)


def test_a_message_sent_before_the_socket_opens_still_arrives(new_context, liwei, wangfang):
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    in_thread(services.message_send, sender=wangfang, conversation=conv, text="before your socket")
    page = new_context(liwei).new_page()
    release = open_with_the_socket_held(page, f"/chats/{conv.pk}/")
    # Sent after the render, before the socket joined the chat: no push reached this tab.
    in_thread(services.message_send, sender=wangfang, conversation=conv, text="in the gap")
    release()
    expect(page.locator(".bubble", has_text="in the gap")).to_have_count(1)
    expect(page.locator(".msg[data-seq]")).to_have_count(2)
    expect(page.locator(".messages > *").last).to_contain_text("in the gap")


def test_the_chat_list_shows_a_message_sent_before_its_socket_opens(new_context, liwei, wangfang):
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    in_thread(services.message_send, sender=wangfang, conversation=conv, text="first line")
    page = new_context(liwei).new_page()
    release = open_with_the_socket_held(page, "/")
    in_thread(services.message_send, sender=wangfang, conversation=conv, text="in the gap")
    release()
    row = page.locator(f'[data-conversation="{conv.pk}"]')
    expect(row).to_contain_text("in the gap")
    expect(page.locator('.tabbar [data-badge="chats"]')).to_have_text("2")


def test_the_chat_list_does_not_fetch_itself_again_when_nothing_changed(new_context, liwei, wangfang):
    """The most requested page is rendered once per visit: only a count that moved since its render refetches it."""
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    in_thread(services.message_send, sender=wangfang, conversation=conv, text="unread")  # a badge of 1
    page = new_context(liwei).new_page()
    refetches = []
    page.on(
        "request",
        lambda r: (
            refetches.append(r) if urlparse(r.url).path == "/" and not r.is_navigation_request() else None
        ),
    )
    page.goto("/")
    expect(page.locator("html[data-realtime=open]")).to_have_count(1)
    page.wait_for_timeout(2000)  # the list gathers events for 1.5 s before it refetches
    assert refetches == []


def test_chat_pages_render_cleanly_in_both_languages(new_context, liwei):
    """Every chat page at phone width, English and Chinese, no script error or CSP violation."""
    from pathlib import Path

    from apps.chat import seed
    from apps.chat.models import Conversation

    seed.seed()
    shots = Path(__file__).resolve().parents[2] / "artifacts" / "screens"
    shots.mkdir(parents=True, exist_ok=True)
    workshop = Conversation.objects.get(name="Workshop 2026")
    direct = services.conversation_direct_get_or_create(
        a=liwei, b=workshop.memberships.get(user__username="wangfang").user
    )
    pages = {
        "chat-list": "/",
        "chat-direct": f"/chats/{direct.pk}/",
        "chat-group": f"/chats/{workshop.pk}/",
        "chat-group-info": f"/chats/{workshop.pk}/info/",
        "chat-invite": f"/chats/{workshop.pk}/invite/",
        "chat-new-group": "/chats/new/",
        "chat-search": f"/chats/{direct.pk}/search/?q=外滩",
        "chat-groups": "/chats/groups/",
    }
    for locale in ("en", "zh-hans"):
        page = watched_page(new_context(liwei, locale))
        problems = []
        page.on("console", lambda m, p=problems: p.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, p=problems: p.append(str(e)))
        for name, path in pages.items():
            response = page.goto(path)
            assert response.ok, path
            settle(page)
            page.screenshot(path=str(shots / f"{locale}-{name}.png"))
        assert problems == []
