"""Scenes from the console: a red-packet storm, a hot topic, a bottle sea; each through the features' own
services, each once per press (and per 10 s), for demo hosts in DEMO_MODE only."""

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.urls import reverse

from apps.bottles.models import Bottle
from apps.chat.models import Message
from apps.chat.seed import seed as chat_seed
from apps.core.errors import NotFound
from apps.microblog.models import Post
from apps.microblog.selectors.topics import hot_list
from apps.microblog.text import topic_key
from apps.wallet import services as wallet
from apps.wallet.ledger import audit
from apps.wallet.models import PaymentProfile, RedPacket, Transaction
from apps.wallet.seed import DEMO_PIN
from apps.wallet.selectors import balance_of
from apps.workshop import console, joining, scenes
from apps.workshop import seed as workshop_seed


@pytest.fixture
def room(cast, demo):
    """make demo's Workshop 2026 group, James its host with the sample PIN and an empty wallet."""
    chat_seed()
    workshop_seed.seed()
    host = cast["james"]
    PaymentProfile.objects.filter(pk=wallet.profile_for(host).pk).update(pin_hash=make_password(DEMO_PIN))
    return {"host": host, "group": joining.workshop_group(host)}


def press(client, name: str):
    return client.post(reverse("workshop:scene", args=[name]), follow=True)


def said(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def again_later():
    """The 10 s between two runs of a scene, passed (the limit's window lives in the cache)."""
    cache.clear()


def storm_packets(room):
    return RedPacket.objects.filter(
        sender=room["host"], conversation_id=room["group"].pk, note=scenes.STORM_NOTE
    )


# --- Red-packet storm --------------------------------------------------------------------------------------


def test_a_storm_sends_a_lucky_packet_to_the_group_topped_up_through_the_ledger(room, client_as):
    response = press(client_as(room["host"]), "storm")
    (packet,) = storm_packets(room)
    members = room["group"].memberships.filter(active=True).count() - 1
    shares, fen = scenes.storm_size(members)
    assert (packet.kind, packet.count, packet.total) == (RedPacket.Kind.LUCKY, shares, fen)
    assert Message.objects.filter(
        conversation=room["group"], kind="wallet_packet", pk=packet.message_id
    ).exists()
    assert Transaction.objects.filter(initiator=room["host"], kind=Transaction.Kind.TOPUP).count() == 1
    assert balance_of(room["host"]) >= 0 and audit() == []
    assert any("Grab it!" in m for m in said(response))


def test_a_host_with_enough_money_pays_from_their_wallet_without_a_top_up(room, client_as):
    wallet.topup(actor=room["host"], amount=500_00, pin=DEMO_PIN, idempotency_key=wallet.new_key())
    press(client_as(room["host"]), "storm")
    (packet,) = storm_packets(room)
    assert (
        Transaction.objects.filter(initiator=room["host"], kind=Transaction.Kind.TOPUP).count() == 1
    )  # ours
    assert balance_of(room["host"]) == 500_00 - packet.total


def test_the_storms_grabs_and_best_luck_reach_the_console(room, client_as, cast):
    console.watch(user=room["host"])
    press(client_as(room["host"]), "storm")
    (packet,) = storm_packets(room)
    grabbers = [u for u in cast.values() if u.pk != room["host"].pk][: packet.count]
    grabs = [wallet.packet_grab(actor=u, pk=packet.pk) for u in grabbers]
    console.tick()
    state = console.snapshot()
    assert {s["key"]: s["count"] for s in state["sources"]}["packets"] >= packet.count
    assert any(f"from {room['host']}'s red packet" in line["text"]["en"] for line in state["lines"])
    luck = next(b for b in state["boards"] if b["key"] == "wallet.best_luck")
    best = max(grabs, key=lambda g: (g.amount, -g.index))
    assert str(best.user) in luck["rows"][0]["text"]["en"]


def test_a_second_press_is_refused_within_ten_seconds_then_said_to_be_the_same_storm(room, client_as):
    client = client_as(room["host"])
    press(client, "storm")
    assert any("just run" in m for m in said(press(client, "storm")))
    again_later()
    assert any("The storm is on" in m for m in said(press(client, "storm")))
    assert storm_packets(room).count() == 1


def test_a_wrong_pin_sends_nothing_and_says_so(room, client_as):
    PaymentProfile.objects.filter(user=room["host"]).update(pin_hash=make_password("246810"))
    response = press(client_as(room["host"]), "storm")
    assert not storm_packets(room).exists()
    assert any("PIN" in m for m in said(response))


def test_the_storm_size_follows_the_room():
    assert scenes.storm_size(3) == (5, 10_00)  # at least five shares
    assert scenes.storm_size(60) == (30, 60_00)  # half the room
    assert scenes.storm_size(250) == (100, 200_00)  # the packet's most shares, and the ¥200 cap


# --- Hot topic ---------------------------------------------------------------------------------------------


def topic_heat() -> tuple[int, int] | None:
    for row in hot_list():
        if row.topic.key == topic_key(scenes.TOPIC):
            return row.rank, row.heat
    return None


def test_the_hot_topic_enters_hot_search_and_climbs_press_after_press(room, client_as):
    client = client_as(room["host"])
    response = press(client, "topic")
    posts = Post.objects.filter(posttopic__topic__key=topic_key(scenes.TOPIC))
    assert posts.count() == scenes.TOPIC_WAVE
    assert any("watch it climb" in m for m in said(response))
    first = topic_heat()
    assert first is not None  # on the list at once, not at the next minute's refresh
    again_later()
    press(client, "topic")
    assert posts.values("author").distinct().count() == 2 * scenes.TOPIC_WAVE
    assert topic_heat()[1] > first[1]


def test_when_every_sample_person_has_posted_a_press_adds_nothing(room, client_as):
    client = client_as(room["host"])
    for _ in range(5):
        response = press(client, "topic")
        again_later()
    posts = Post.objects.filter(posttopic__topic__key=topic_key(scenes.TOPIC))
    assert posts.count() == posts.values("author").distinct().count()  # one post each, however often pressed
    assert any("Everyone in the sample cast" in m for m in said(response))


# --- Bottle sea --------------------------------------------------------------------------------------------


def test_the_bottle_sea_fills_the_sea_once(room, client_as):
    client = client_as(room["host"])
    response = press(client, "sea")
    assert scenes.drifting() == scenes.SEA_TARGET
    assert any(f"holds {scenes.SEA_TARGET}" in m for m in said(response))
    again_later()
    response = press(client, "sea")
    assert Bottle.objects.count() == scenes.SEA_TARGET
    assert any("already holds" in m for m in said(response))


def test_the_sea_is_thrown_within_each_persons_daily_limit(room, client_as, settings):
    settings.BOTTLE_THROWS_PER_DAY = 1
    press(client_as(room["host"]), "sea")
    per_person = Bottle.objects.values("thrower").distinct().count()
    assert Bottle.objects.count() == per_person  # one each, however far short of the target


# --- Who may --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", scenes.SCENES)
def test_an_attendee_is_refused_every_scene_and_nothing_happens(room, client_as, emma, name):
    assert client_as(emma).post(reverse("workshop:scene", args=[name])).status_code == 403
    with pytest.raises(NotFound):
        scenes.run(actor=emma, name=name)
    assert not RedPacket.objects.exists() and not Bottle.objects.exists() and not Post.objects.exists()


@pytest.mark.parametrize("name", scenes.SCENES)
def test_with_demo_mode_off_no_scene_runs_even_for_the_host(room, client_as, settings, name):
    settings.DEMO_MODE = False
    assert client_as(room["host"]).post(reverse("workshop:scene", args=[name])).status_code == 404
    with pytest.raises(NotFound):
        scenes.run(actor=room["host"], name=name)
    assert not RedPacket.objects.exists() and not Bottle.objects.exists() and not Post.objects.exists()


def test_a_scene_is_pressed_not_opened(room, client_as):
    assert client_as(room["host"]).get(reverse("workshop:scene", args=["storm"])).status_code == 405
    assert not RedPacket.objects.exists()


def test_an_unknown_scene_is_a_clear_no(room, client_as):
    response = press(client_as(room["host"]), "fireworks")
    assert any("Choose a scene" in m for m in said(response))


def test_the_console_shows_the_scene_buttons(room, client_as):
    page = client_as(room["host"]).get(reverse("workshop:console")).content.decode()
    for name in scenes.SCENES:
        assert f'data-testid="scene-{name}"' in page
