"""'Emma opened your red packet': lines only the packet's sender and its grabber see (apps.chat Notice)."""

import pytest
from django.urls import reverse
from django.utils import translation

from apps.chat import handlers, selectors
from apps.chat.models import Conversation, Message, Notice
from apps.chat.services import notice_post
from apps.wallet import services

from .conftest import PIN, key

pytestmark = pytest.mark.django_db


def _packet(sender, conv, count=2):
    return services.packet_create(
        actor=sender,
        conversation_id=conv.pk,
        kind="lucky",
        amount="10",
        count=count,
        note="Hi",
        pin=PIN,
        idempotency_key=key(),
    )


def _texts(user, conv):
    return [n["text"] for n in selectors.notices_for(selectors.access_membership(user=user, pk=conv.pk), [])]


def test_a_grab_tells_the_sender_and_the_grabber_only(cast, workshop, fund, published_events):
    liwei, emma, tom = cast["liwei"], cast["emma"], cast["tom"]
    fund(liwei, 100_00)
    p = _packet(liwei, workshop)
    seq_before = Conversation.objects.get(pk=workshop.pk).last_seq
    with published_events() as sent:
        services.packet_grab(actor=emma, pk=p.pk)
    assert set(Notice.objects.values_list("user_id", flat=True)) == {liwei.pk, emma.pk}
    assert _texts(emma, workshop) == ["You opened 李伟's red packet"]
    assert _texts(liwei, workshop) == ["Emma Wilson opened your red packet"]
    assert _texts(tom, workshop) == []
    notices = [e for e in sent if e["type"] == "chat.notice"]
    assert sorted(tuple(e["user_ids"]) for e in notices) == sorted([(liwei.pk,), (emma.pk,)])
    for e in notices:
        assert (
            e["data"]["after_seq"] == Message.objects.get(pk=p.message_id).seq == seq_before
        )  # right after the card
        assert e["data"]["conversation"] == workshop.pk and e["data"]["id"]
    # No seq taken: nobody's unread count or chat list moves.
    assert Conversation.objects.get(pk=workshop.pk).last_seq == seq_before
    assert not Message.objects.filter(conversation=workshop, seq__gt=seq_before).exists()


def test_the_last_share_tells_the_sender_it_is_fully_claimed_once(cast, workshop, fund):
    liwei, emma, tom, james = cast["liwei"], cast["emma"], cast["tom"], cast["james"]
    fund(liwei, 100_00)
    p = _packet(liwei, workshop, count=2)
    services.packet_grab(actor=emma, pk=p.pk)
    services.packet_grab(actor=tom, pk=p.pk)
    services.packet_grab(actor=tom, pk=p.pk)  # opened again: the same share, no new lines
    with pytest.raises(services.TooLate):
        services.packet_grab(actor=james, pk=p.pk)  # too late: no lines for anyone
    assert _texts(liwei, workshop) == [
        "Emma Wilson opened your red packet",
        "Tom McDonald opened your red packet",
        "Your red packet has been fully claimed",
    ]
    assert _texts(tom, workshop) == ["You opened 李伟's red packet"]
    assert _texts(james, workshop) == []
    assert Notice.objects.filter(user=james).count() == 0
    assert Notice.objects.count() == 5


def test_the_sender_opening_their_own_packet(cast, workshop, fund):
    liwei = cast["liwei"]
    fund(liwei, 100_00)
    p = _packet(liwei, workshop, count=1)
    services.packet_grab(actor=liwei, pk=p.pk)
    assert _texts(liwei, workshop) == [
        "You opened your own red packet",
        "Your red packet has been fully claimed",
    ]
    with translation.override("zh-hans"):
        assert _texts(liwei, workshop) == ["你领取了自己发的红包", "你的红包已被领完"]


def test_notices_read_in_the_readers_language(cast, workshop, fund):
    liwei, emma = cast["liwei"], cast["emma"]
    fund(liwei, 100_00)
    services.packet_grab(actor=emma, pk=_packet(liwei, workshop).pk)
    with translation.override("zh-hans"):
        assert _texts(emma, workshop) == ["你领取了李伟的红包"]
        assert _texts(liwei, workshop) == ["Emma Wilson领取了你的红包"]


def test_an_unknown_notice_is_refused_and_stores_nothing(cast, workshop):
    with pytest.raises(ValueError, match="nonsense"):
        notice_post(conversation=workshop, lines={cast["liwei"].pk: [("nonsense", {})]})
    assert not Notice.objects.exists()


# --- Who can read them: the websocket sync and the thread page ----------------------------------------


def test_sync_gives_each_reader_their_own_notices_only(cast, workshop, fund):
    liwei, emma, tom = cast["liwei"], cast["emma"], cast["tom"]
    fund(liwei, 100_00)
    p = _packet(liwei, workshop)
    services.packet_grab(actor=emma, pk=p.pk)
    card_seq = Message.objects.get(pk=p.message_id).seq

    def synced(user, after):
        return handlers.sync(user=user, data={"conversation": workshop.pk, "after": after})["notices"]

    assert [n["event"] for n in synced(emma, 0)] == ["packet_grabbed"]
    assert [n["event"] for n in synced(liwei, card_seq)] == ["packet_opened"]  # after_seq >= after
    assert synced(liwei, card_seq + 1) == []
    assert synced(tom, 0) == []


def test_the_thread_page_shows_each_reader_their_own_notices_only(cast, workshop, fund, client_as):
    liwei, emma, tom = cast["liwei"], cast["emma"], cast["tom"]
    fund(liwei, 100_00)
    services.packet_grab(actor=emma, pk=_packet(liwei, workshop).pk)
    for user, events in [(liwei, ["packet_opened"]), (emma, ["packet_grabbed"]), (tom, [])]:
        state = client_as(user).get(reverse("chat:thread", args=[workshop.pk])).context["chat_state"]
        assert [n["event"] for n in state["notices"]] == events, user
        older = client_as(user).get(reverse("chat:messages", args=[workshop.pk]) + "?before=999").json()
        assert [n["event"] for n in older["notices"]] == events, user


def test_cleared_history_takes_its_notices_with_it(cast, workshop, fund):
    from apps.chat.services import conversation_clear

    liwei, emma = cast["liwei"], cast["emma"]
    fund(liwei, 100_00)
    services.packet_grab(actor=emma, pk=_packet(liwei, workshop).pk)
    conversation_clear(actor=emma, conversation_id=workshop.pk)
    assert _texts(emma, workshop) == []
