"""A conversation from the keyboard and its small promises: every bubble action opens without a pointer, the
action sheet traps focus and gives it back, "typing…" goes when the message comes, recall and re-edit go when
the server's window closes, stickers stand without a bubble and the last message stays above the input bar."""

import threading
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from apps.chat import services
from apps.chat.models import Message

ACTIVE = "() => document.activeElement && (document.activeElement.getAttribute('aria-label') || document.activeElement.textContent.trim())"


def off_the_loop(fn, **kwargs):
    """Call a service from another thread: Playwright's event loop runs in this one, and a service's live
    event (async_to_sync) cannot be sent from a thread with a running loop."""
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=fn(**kwargs)))
    thread.start()
    thread.join()
    return result.get("value")


def open_chat(page_as, user, conv, locale="en"):
    page = page_as(user, f"/chats/{conv.pk}/", locale)
    expect(page.locator("html[data-realtime=open]")).to_have_count(1)
    return page


def focused_inside(page, selector: str) -> bool:
    return page.evaluate(f"() => !!document.activeElement.closest({selector!r})")


def test_keyboard_path_through_a_bubbles_actions(page_as, liwei, wangfang, zhangmin):
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    services.message_send(sender=wangfang, conversation=conv, text="明天见")
    wei = open_chat(page_as, liwei, conv)
    theirs = wei.locator(".msg.theirs [data-bubble]")

    # Tab reaches the bubble; Enter opens its actions, focus goes into the sheet and stays there.
    theirs.focus()
    wei.keyboard.press("Enter")
    sheet = wei.get_by_role("dialog", name="Actions")
    expect(sheet).to_be_visible()
    assert focused_inside(wei, "[data-sheet]")
    buttons = sheet.get_by_role("button").count()
    for _ in range(buttons + 2):
        wei.keyboard.press("Tab")
        assert focused_inside(wei, "[data-sheet]")
    wei.keyboard.press("Shift+Tab")
    assert focused_inside(wei, "[data-sheet]")
    # Escape closes it and focus returns to the bubble that opened it.
    wei.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    assert wei.evaluate("() => document.activeElement.matches('.msg.theirs [data-bubble]')")

    # Quote, from the keyboard.
    wei.keyboard.press("Enter")
    sheet.get_by_role("button", name="Quote").focus()
    wei.keyboard.press("Enter")
    expect(wei.locator("[data-reply-bar]")).to_contain_text("明天见")
    wei.get_by_label("Message").fill("好")
    wei.keyboard.press("Enter")
    mine = wei.locator(".msg.mine [data-bubble]", has_text="好")
    expect(mine).to_have_count(1)

    # Forward opens the list of chats.
    off_the_loop(services.group_create, actor=liwei, member_ids=[wangfang.pk, zhangmin.pk], name="饭搭子")
    theirs.focus()
    wei.keyboard.press(" ")
    sheet.get_by_role("button", name="Forward").focus()
    wei.keyboard.press("Enter")
    expect(sheet.get_by_role("button", name="饭搭子")).to_be_visible()
    wei.keyboard.press("Escape")

    # Recall your own message, then delete theirs for yourself.
    mine.focus()
    wei.keyboard.press("Enter")
    sheet.get_by_role("button", name="Recall").focus()
    wei.keyboard.press("Enter")
    expect(wei.get_by_text("You recalled a message")).to_be_visible()
    expect(wei.get_by_role("button", name="Re-edit")).to_be_focused()  # the keyboard user stays on it
    theirs.focus()
    wei.keyboard.press("Enter")
    sheet.get_by_role("button", name="Delete").focus()
    wei.keyboard.press("Enter")
    expect(wei.locator(".msg.theirs [data-bubble]")).to_have_count(0)

    # Pat-pat: Enter on the other person's avatar.
    off_the_loop(services.message_send, sender=wangfang, conversation=conv, text="在吗")
    avatar = wei.get_by_role("button", name=f"Pat {wangfang.display_name}")
    avatar.focus()
    wei.keyboard.press("Enter")
    patted = wei.get_by_role("button", name=f"You patted {wangfang.display_name}")
    expect(patted).to_be_visible()
    # ...and withdraw it, still from the keyboard, while its window is open.
    patted.focus()
    wei.keyboard.press("Enter")
    sheet.get_by_role("button", name="Withdraw the pat").focus()
    wei.keyboard.press("Enter")
    expect(wei.get_by_text(f"You patted {wangfang.display_name}")).to_have_count(0)
    expect(wei.get_by_text("You recalled a message")).to_have_count(2)


def test_photo_button_is_in_the_tab_order(page_as, liwei, wangfang):
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    wei = open_chat(page_as, liwei, conv)
    wei.get_by_label("Message").focus()
    seen = []
    for _ in range(4):
        wei.keyboard.press("Tab")
        seen.append(wei.evaluate(ACTIVE))
    assert "Photo" in seen
    # And it opens the file picker.
    wei.get_by_label("Message").focus()
    while wei.evaluate(ACTIVE) != "Photo":
        wei.keyboard.press("Tab")
    wei.evaluate(
        "() => document.querySelector('[data-image-input]').addEventListener('click', () => { window.__picked = true; })"
    )
    wei.keyboard.press("Enter")
    assert wei.evaluate("() => window.__picked") is True


def test_focus_is_visible(page_as, liwei, wangfang):
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    services.message_send(sender=wangfang, conversation=conv, text="hi")
    wei = open_chat(page_as, liwei, conv)
    wei.get_by_label("Message").focus()
    wei.keyboard.press("Shift+Tab")  # back onto the page's controls, as a keyboard user moves
    for _ in range(3):
        wei.keyboard.press("Tab")
        style = wei.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 || s.boxShadow !== 'none'; }"
        )
        assert style, wei.evaluate(ACTIVE)


def test_typing_goes_when_the_message_arrives_and_after_silence(page_as, liwei, wangfang):
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    wei = open_chat(page_as, liwei, conv)
    fang = open_chat(page_as, wangfang, conv)
    typing = wei.locator("[data-typing]")

    fang.get_by_label("Message").press_sequentially("周末")
    expect(typing).to_be_visible()
    fang.keyboard.press("Enter")
    expect(wei.locator(".bubble", has_text="周末")).to_be_visible()
    expect(typing).to_be_hidden(timeout=1000)  # at once, not after the 5 s of silence
    expect(wei.locator("[data-chat-title]")).to_be_visible()

    fang.wait_for_timeout(3100)  # a typing event goes at most every 3 s
    fang.get_by_label("Message").press_sequentially("去哪")
    expect(typing).to_be_visible()
    expect(typing).to_be_hidden(timeout=8000)  # she stopped typing and sent nothing


def test_recall_and_reedit_go_when_the_servers_window_closes(page_as, liwei, wangfang):
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    now = timezone.now()
    soon = timedelta(seconds=4)
    recalled = services.message_send(sender=liwei, conversation=conv, text="说错了")
    services.message_recall(actor=liwei, message_id=recalled.pk)
    Message.objects.filter(pk=recalled.pk).update(recalled_at=now - services.REEDIT_WINDOW + soon)
    fresh = services.message_send(sender=liwei, conversation=conv, text="刚发的")
    Message.objects.filter(pk=fresh.pk).update(created_at=now - services.RECALL_WINDOW + soon)

    wei = open_chat(page_as, liwei, conv)
    reedit = wei.get_by_role("button", name="Re-edit")
    expect(reedit).to_be_visible()
    wei.locator(".msg.mine [data-bubble]", has_text="刚发的").click()
    recall = wei.get_by_role("dialog").get_by_role("button", name="Recall")
    expect(recall).to_be_visible()
    # The thread stays open: at the server's "until" both actions go, with no reload.
    expect(reedit).to_have_count(0, timeout=8000)
    expect(recall).to_have_count(0, timeout=8000)
    wei.keyboard.press("Escape")
    wei.locator(".msg.mine [data-bubble]", has_text="刚发的").click()
    expect(wei.get_by_role("dialog").get_by_role("button", name="Delete")).to_be_visible()
    expect(wei.get_by_role("dialog").get_by_role("button", name="Recall")).to_have_count(0)


def test_stickers_have_no_bubble_on_either_side(page_as, liwei, wangfang):
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    services.message_send_sticker(sender=wangfang, conversation=conv, name="thumbs")
    wei = open_chat(page_as, liwei, conv)
    wei.get_by_label("Stickers").click()
    wei.locator("[data-sticker]").first.click()
    expect(wei.locator(".msg.mine[data-id] .bubble.sticker")).to_have_count(1)
    for side in ("mine", "theirs"):
        bubble = wei.locator(f".msg.{side}[data-id] .bubble.sticker")
        assert bubble.evaluate("b => getComputedStyle(b).backgroundColor") == "rgba(0, 0, 0, 0)"
        assert bubble.evaluate("b => getComputedStyle(b, '::before').display") == "none"


def test_last_message_stays_above_the_input_bar(page_as, liwei, wangfang):
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    for n in range(12):
        services.message_send(sender=wangfang, conversation=conv, text=f"第{n}条\n很长的\n一条")
    wei = open_chat(page_as, liwei, conv)
    last = wei.locator(".msg[data-seq]").last
    composer = wei.locator("[data-composer]")

    def above_the_input_bar():
        wei.wait_for_timeout(300)
        bottom = last.bounding_box()["y"] + last.bounding_box()["height"]
        return bottom <= composer.bounding_box()["y"] + 1

    # The thread grows after it was scrolled down (a photo or a font arriving late): still in sight.
    wei.evaluate(
        "() => { document.querySelector('.msg[data-seq]:last-of-type .bubble').style.paddingBottom = '240px'; }"
    )
    assert above_the_input_bar()
    # The sticker panel opens under the composer, and a message arrives meanwhile.
    wei.get_by_label("Stickers").click()
    off_the_loop(services.message_send, sender=wangfang, conversation=conv, text="最后一条")
    expect(last).to_contain_text("最后一条")
    assert above_the_input_bar()


def test_toasts_leave_the_header_visible(page_as, liwei):
    page = page_as(liwei, "/accounts/me/")
    expect(page.locator("html[data-realtime=open]")).to_have_count(1)
    for path, headers in (
        ("/accounts/me/", (".topbar", ".profile-head")),
        ("/wallet/", (".topbar", ".wallet-hero")),
    ):
        page.goto(path)
        page.wait_for_function("window.Realtime")
        page.evaluate("() => window.Realtime.toast('Hello there, a rather long notice for the test')")
        toast = page.locator(".toast").bounding_box()
        for header in headers:
            box = page.locator(header).bounding_box()
            assert toast["y"] >= box["y"] + box["height"], (path, header)
        tabbar = page.locator(".tabbar")
        if tabbar.count():
            assert toast["y"] + toast["height"] <= tabbar.bounding_box()["y"], path


def test_a_phone_with_a_wrong_clock_still_follows_the_servers_until(new_context, liwei, wangfang):
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    recalled = services.message_send(sender=liwei, conversation=conv, text="说错了")
    services.message_recall(actor=liwei, message_id=recalled.pk)
    Message.objects.filter(pk=recalled.pk).update(
        recalled_at=timezone.now() - services.REEDIT_WINDOW + timedelta(seconds=4)
    )
    context = new_context(liwei)
    page = context.new_page()
    page.clock.install(time=timezone.now() - timedelta(minutes=10))  # the phone is 10 minutes slow
    page.goto(f"/chats/{conv.pk}/")
    reedit = page.get_by_role("button", name="Re-edit")
    expect(reedit).to_be_visible()
    expect(reedit).to_have_count(0, timeout=8000)
