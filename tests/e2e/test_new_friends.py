"""Accepting a friend request opens the chat on both sides, live: WeChat's greeting line names the other."""

from playwright.sync_api import expect


def test_accepting_opens_the_chat_and_the_requester_sees_it_live(page_as, tom, liwei):
    toms = page_as(tom, "/accounts/contacts/")
    expect(toms.locator("html[data-realtime=open]")).to_have_count(1)
    expect(toms.locator("[data-live-contacts]")).not_to_contain_text("李伟")

    weis = page_as(liwei, "/accounts/contacts/new/")
    weis.locator(".cell", has_text="Tom McDonald").get_by_role("button", name="Accept").click()
    expect(weis.get_by_text("You have added Tom McDonald as a friend. Start chatting now!")).to_be_visible()

    # Tom, without reloading: a toast, and Li Wei in his contacts.
    expect(toms.get_by_text("You and 李伟 are now friends")).to_be_visible()
    expect(toms.locator("[data-live-contacts]")).to_contain_text("李伟")
    toms.goto("/")
    toms.locator(".chat-row", has_text="李伟").click()
    expect(toms.get_by_text("You have added 李伟 as a friend. Start chatting now!")).to_be_visible()
