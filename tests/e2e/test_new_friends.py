"""Accepting a friend request opens the chat on both sides, live: WeChat's greeting line names the other."""

import pytest
from playwright.sync_api import expect

from apps.accounts import services as accounts
from apps.accounts.models import FriendRequest
from apps.chat.models import Conversation
from tests.conftest import SCREENS, in_thread


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


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_screens_of_the_new_chat_at_phone_widths(new_context, tom, liwei, locale):
    """The new chat and the chat list, as the accepter sees them, at 390 and 320 px (artifacts/screens/)."""
    request = FriendRequest.objects.get(from_user=tom, to_user=liwei, status="pending")
    in_thread(accounts.friend_request_accept, actor=liwei, request_id=request.pk)
    conv = Conversation.objects.get(kind=Conversation.Kind.DIRECT, memberships__user=tom)
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width in (390, 320):
        page = new_context(liwei, locale, width=width).new_page()
        for path, name in ((f"/chats/{conv.pk}/", "new-friend-chat"), ("/", "chats-with-new-friend")):
            page.goto(path)
            expect(page.locator("html[data-realtime=open]")).to_have_count(1)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
            page.screenshot(path=str(SCREENS / f"{name}-{locale}-{width}.png"))
