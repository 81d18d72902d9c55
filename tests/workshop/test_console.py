"""The console: counters and the stream read from every feature's activity source, pushed to consoles only."""

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache

from apps.bottles import services as bottles
from apps.chat import services as chat
from apps.chat.models import Message
from apps.checkin import codes
from apps.checkin import services as checkin
from apps.core import activity, realtime
from apps.core.errors import NotFound
from apps.microblog.services.posts import post_create
from apps.wallet import services as wallet
from apps.wallet.models import PaymentProfile
from apps.wallet.services.guard import new_key
from apps.workshop import console

PIN = "135790"


@pytest.fixture
def watching(host, demo):
    """A console open (as the page says every 10 s), with what it drew first."""
    return console.watch(user=host)


def counts(data) -> dict[str, int]:
    return {s["key"]: s["count"] for s in data["sources"]}


def said(lines) -> list[str]:
    return [line["text"]["en"] for line in lines]


def test_every_existing_feature_reports_to_the_console():
    keys = [s.key for s in activity.sources()]
    assert keys == [
        "workshop.joins",
        "chat",
        "weibo",
        "bottles",
        "bottles.picked",
        "shake",
        "packets",
        "checkin",
    ]
    assert [b.key for b in activity.boards()] == ["weibo.hot", "wallet.best_luck"]


def test_the_console_counts_what_is_there_and_then_what_is_added(
    watching, liwei, wangfang, emma, published_events
):
    before = counts(watching)
    assert before["chat"] == Message.objects.exclude(kind=Message.SYSTEM).count()
    conv = chat.conversation_direct_get_or_create(a=liwei, b=wangfang)
    for n in range(3):
        chat.message_send(sender=liwei, conversation=conv, text=f"secret {n}")
    post_create(actor=emma, text="#上海下雪了# snow on the Bund")
    bottles.bottle_throw(actor=emma, text="Hello from Auckland")
    with published_events() as sent:
        assert console.tick() == {
            "added": {
                "workshop.joins": 0,
                "chat": 3,
                "weibo": 1,
                "bottles": 1,
                "bottles.picked": 0,
                "shake": 0,
                "packets": 0,
                "checkin": 0,
            }
        }
    (tick,) = sent
    assert tick["type"] == "workshop.tick" and tick["page"] == console.page_name()
    data = tick["data"]
    assert data["counts"]["chat"] == before["chat"] + 3
    assert data["counts"]["weibo"] == before["weibo"] + 1
    lines = said(data["lines"])
    assert lines.count(f"{liwei} sent a private message") == 3
    assert not any("secret" in line for line in lines)  # what people write in chats stays off the big screen
    assert f"{emma} posted on Weibo: #上海下雪了# snow on the Bund" in lines
    assert "A bottle was thrown into the sea from Auckland" in lines
    assert {line["text"]["zh-hans"] for line in data["lines"]} - {""}  # both languages travel


def test_red_packet_grabs_and_best_luck_reach_the_console(
    watching, liwei, wangfang, zhangmin, published_events
):
    conv = chat.group_create(actor=liwei, member_ids=[wangfang.pk, zhangmin.pk], name="Workshop")
    PaymentProfile.objects.filter(pk=wallet.profile_for(liwei).pk).update(pin_hash=make_password(PIN))
    wallet.topup(actor=liwei, amount=100_00, pin=PIN, idempotency_key=new_key())
    packet = wallet.packet_create(
        actor=liwei,
        conversation_id=conv.pk,
        kind="lucky",
        amount="10",
        count=2,
        pin=PIN,
        idempotency_key=new_key(),
    )
    grabs = [wallet.packet_grab(actor=p, pk=packet.pk) for p in (wangfang, zhangmin)]
    with published_events() as sent:
        console.tick()
    data = sent[-1]["data"]
    assert data["added"]["packets"] == 2
    best = max(grabs, key=lambda g: g.amount)
    luck = next(b for b in data["boards"] if b["key"] == "wallet.best_luck")
    assert luck["rows"][0]["value"] == f"¥{best.amount // 100}.{best.amount % 100:02d}"
    assert str(best.user) in luck["rows"][0]["text"]["en"]


def test_check_ins_reach_the_console(watching, liwei, emma, published_events):
    venue = checkin.venue_create(
        actor=liwei, data={"name": "Bund Tea House", "city": "shanghai", "x": 50, "y": 50, "points": 5}
    )
    token = codes.kiosk_token(venue.pk)
    checkin.checkin_create(
        actor=emma, venue_id=venue.pk, scan=checkin.scan_record(checkin.scan_read("k", token))
    )
    with published_events() as sent:
        console.tick()
    data = sent[-1]["data"]
    assert data["added"]["checkin"] == 1 and data["counts"]["checkin"] == counts(watching)["checkin"] + 1
    assert f"{emma} checked in at Bund Tea House" in said(data["lines"])


def test_the_console_page_shows_the_counters_and_both_languages(watching, host, client_as):
    client = client_as(host)
    html = client.get("/workshop/").content.decode()
    assert "Messages" in html and "Red packets grabbed" in html and "Hot search" in html
    assert 'href="/workshop/phones/"' in html  # the side-by-side phones, one click away
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/workshop/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "演示控制台" in html and "消息" in html


def test_with_no_console_open_the_tick_costs_no_query(host, demo, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert console.tick() is None


def test_with_demo_mode_off_the_tick_does_nothing_even_if_a_console_said_it_was_open(
    watching, settings, django_assert_num_queries
):
    settings.DEMO_MODE = False
    with django_assert_num_queries(0):
        assert console.tick() is None


def test_a_tick_costs_the_same_few_queries_for_one_message_or_a_hundred(
    watching, liwei, wangfang, django_assert_max_num_queries, published_events
):
    conv = chat.conversation_direct_get_or_create(a=liwei, b=wangfang)
    with published_events():
        chat.message_send(sender=liwei, conversation=conv, text="one")
        with django_assert_max_num_queries(20):
            console.tick()
        sent = Message.objects.filter(conversation=conv).latest("seq")
        Message.objects.bulk_create(  # (past the chat's rate limit, which is not what this measures)
            Message(
                conversation=conv, seq=sent.seq + n, sender=liwei, text=f"m{n}", created_at=sent.created_at
            )
            for n in range(1, 101)
        )
        with django_assert_max_num_queries(20):
            assert console.tick()["added"]["chat"] == 100


def test_an_attendee_cannot_watch_the_console_over_the_websocket(host, emma, demo):
    with pytest.raises(NotFound):
        realtime.handler_for("workshop.watch")(user=emma, data={})
    assert not cache.get(console.OPEN_KEY)


def test_with_demo_mode_off_the_host_cannot_watch_either(host, settings):
    settings.DEMO_MODE = False
    with pytest.raises(NotFound):
        realtime.handler_for("workshop.watch")(user=host, data={})


def test_the_consoles_page_is_a_number_nobody_guesses_and_only_hosts_are_told(watching, host, client_as):
    page = watching["page"]
    assert realtime.is_page(page) and page.startswith("workshop.console.") and len(page.split(".")[-1]) >= 15
    assert page not in client_as(host).get("/workshop/").content.decode()  # not even in the host's HTML


def test_the_console_page_draws_the_stream_in_the_viewers_language_newest_first(
    watching, host, emma, client_as
):
    bottles.bottle_throw(actor=emma, text="first")
    post_create(actor=emma, text="second")
    console.tick()
    client = client_as(host)
    html = client.get("/workshop/").content.decode()
    assert html.index(f"{emma} posted on Weibo: second") < html.index("A bottle was thrown into the sea")
    client.cookies["django_language"] = "zh-hans"
    assert "一个漂流瓶从Auckland扔进了大海" in client.get("/workshop/").content.decode()
