"""A person far from the server sees every time in their own zone, the same in the chat list and the thread."""

from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.chat import services
from tests.conftest import in_thread


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
def test_the_list_and_the_thread_show_a_message_at_the_same_time_in_the_viewers_zone(
    new_context, liwei, wangfang, zone
):
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    message = in_thread(services.message_send, sender=wangfang, conversation=conv, text="到了吗？")
    shown = timezone.localtime(message.created_at, ZoneInfo(zone)).strftime("%H:%M")
    page = new_context(liwei, timezone_id=zone).new_page()

    page.goto("/accounts/login/")  # as after logging in: the login page learns the browser's zone
    page.goto("/")
    expect(page.locator(f'[data-conversation="{conv.pk}"] time')).to_have_text(shown)
    page.goto(f"/chats/{conv.pk}/")
    expect(page.locator(".time-sep").first).to_have_text(shown)
