"""Every time is shown in the viewer's zone (the browser's, from the "tz" cookie), the same on every page."""

import re

import pytest

from apps.chat import services as chat
from apps.core.timezones import TIME_ZONE_COOKIE, zone_named

pytestmark = pytest.mark.django_db

SENT_AT = "2026-12-05T02:30:00Z"  # 10:30 on the 5th in Shanghai (TIME_ZONE), 21:30 on the 4th in New York


def list_time(client, conversation) -> str:
    html = client.get("/").content.decode()
    row = re.search(rf'data-conversation="{conversation.pk}".*?<time[^>]*>([^<]*)</time>', html, re.S)
    return row.group(1)


@pytest.mark.parametrize(
    ("cookie", "shown"),
    [
        (None, "10:30"),
        ("America/New_York", "21:30"),
        ("Asia/Tokyo", "11:30"),
        ("../../etc/passwd", "10:30"),  # a path, not a zone: ignored
        ("Not/AZone", "10:30"),
        ("Europe/" + "x" * 100, "10:30"),
    ],
)
def test_the_chat_list_shows_times_in_the_viewers_zone(client_as, clock_at, liwei, wangfang, cookie, shown):
    conv = chat.conversation_direct_get_or_create(a=liwei, b=wangfang)
    clock_at(SENT_AT)
    chat.message_send(sender=wangfang, conversation=conv, text="到了吗？")
    client = client_as(liwei)
    if cookie is not None:
        client.cookies[TIME_ZONE_COOKIE] = cookie
    assert list_time(client, conv) == shown


def test_a_zone_is_only_ever_an_iana_name():
    assert zone_named("Europe/London").key == "Europe/London"
    assert zone_named("") is None
    assert zone_named("/etc/localtime") is None
    assert zone_named("Mars/Olympus_Mons") is None
