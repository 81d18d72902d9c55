"""A reply opens a bottle chat: strangers may talk, each sees only the other's nickname, avatar and region until
they are friends, either can end it, and blocks work as in any chat."""

import pytest
from django.urls import reverse

from apps.accounts import services as accounts
from apps.accounts.models import Block, FriendRequest
from apps.bottles import selectors, services
from apps.bottles.models import Bottle, Pick
from apps.chat import composer
from apps.chat import selectors as chat_selectors
from apps.chat import services as chat
from apps.chat.models import Conversation, Message
from apps.core.errors import DomainError, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def found(throw, seasoned):
    """Tom (not Emma's friend) holds Emma's bottle."""
    bottle = throw("emma", "Hello from Auckland! What season is it where you are?")
    assert services.bottle_pick(actor=seasoned["tom"]).bottle == bottle
    return bottle


@pytest.fixture
def bottle_chat(found, seasoned):
    return services.bottle_reply(actor=seasoned["tom"], bottle_id=found.pk, text="Winter in Yorkshire!")


def test_a_reply_opens_a_bottle_chat_with_the_bottle_and_the_reply(found, seasoned, published_events):
    emma, tom = seasoned["emma"], seasoned["tom"]
    with published_events() as sent:
        conv = services.bottle_reply(actor=tom, bottle_id=found.pk, text="  Winter in Yorkshire!  ")
    assert conv.bottle and conv.kind == Conversation.Kind.DIRECT
    assert set(chat_selectors.member_ids(conv)) == {emma.pk, tom.pk}
    lines = list(Message.objects.filter(conversation=conv).order_by("seq"))
    assert lines[0].kind == Message.SYSTEM and found.text in lines[0].text
    assert (lines[1].sender, lines[1].text) == (tom, "Winter in Yorkshire!")
    reply_events = [e for e in sent if e["type"] == "bottles.reply"]
    assert reply_events and reply_events[0]["user_ids"] == [emma.pk]
    assert reply_events[0]["data"]["reply"] == "Winter in Yorkshire!"
    assert any(e["type"] == "chat.message" and emma.pk in e["user_ids"] for e in sent)
    bottle = Bottle.objects.get(pk=found.pk)
    assert (bottle.in_sea, bottle.holder, bottle.conversation_id) == (False, None, conv.pk)
    assert Pick.objects.get(picker=tom).outcome == Pick.Outcome.REPLIED
    assert selectors.thrown_by(emma)[0][1] == "replied"
    assert selectors.replied_by(tom) == [bottle]


def test_a_replied_bottle_never_returns_to_the_sea(bottle_chat, seasoned):
    services.bottles_sweep()
    with pytest.raises(DomainError):
        services.bottle_pick(actor=seasoned["liwei"])


def test_only_the_holder_can_reply(found, seasoned):
    with pytest.raises(NotFound):
        services.bottle_reply(actor=seasoned["liwei"], bottle_id=found.pk, text="me too")
    assert not Conversation.objects.filter(bottle=True).exists()


@pytest.mark.parametrize("text", ["", "字" * 201])
def test_an_empty_or_overlong_reply_changes_nothing(found, seasoned, text):
    with pytest.raises(DomainError):
        services.bottle_reply(actor=seasoned["tom"], bottle_id=found.pk, text=text)
    assert services.in_hand(seasoned["tom"]) == found
    assert not Conversation.objects.filter(bottle=True).exists()


def test_a_block_after_the_pick_refuses_the_reply(found, seasoned):
    accounts.user_block(actor=seasoned["emma"], target=seasoned["tom"])
    with pytest.raises(DomainError) as caught:
        services.bottle_reply(actor=seasoned["tom"], bottle_id=found.pk, text="hi")
    assert caught.value.code == "blocked"
    assert not Conversation.objects.filter(bottle=True).exists()


def test_strangers_can_write_in_a_bottle_chat(bottle_chat, seasoned):
    message = chat.message_send(sender=seasoned["emma"], conversation=bottle_chat, text="Summer here!")
    assert message.seq == 3


def test_a_block_stops_the_bottle_chat_as_in_any_chat(bottle_chat, seasoned):
    chat.conversation_block_other(actor=seasoned["emma"], conversation_id=bottle_chat.pk)
    with pytest.raises(DomainError) as caught:
        chat.message_send(sender=seasoned["tom"], conversation=bottle_chat, text="hello?")
    assert caught.value.code == "blocked"


def test_a_stranger_blocked_from_a_bottle_chat_stays_nameless_on_the_blocked_list(
    bottle_chat, seasoned, client
):
    emma, tom = seasoned["emma"], seasoned["tom"]
    chat.conversation_block_other(actor=emma, conversation_id=bottle_chat.pk)
    client.force_login(emma)
    page = client.get(reverse("accounts:blocked")).text
    assert tom.display_name in page and tom.public_id not in page  # no ID, no profile link
    block = Block.objects.get(blocker=emma, blocked=tom)
    assert client.post(reverse("accounts:block_lift", args=[block.pk])).status_code == 302
    assert not Block.objects.filter(blocker=emma, blocked=tom).exists()


def test_a_friend_blocked_from_a_bottle_chat_is_listed_as_any_friend(bottle_chat, seasoned, client):
    emma, tom = seasoned["emma"], seasoned["tom"]
    chat.conversation_befriend_other(actor=tom, conversation_id=bottle_chat.pk)
    accounts.friend_request_accept(
        actor=emma, request_id=FriendRequest.objects.get(from_user=tom, to_user=emma).pk
    )
    chat.conversation_block_other(actor=emma, conversation_id=bottle_chat.pk)
    client.force_login(emma)
    assert reverse("accounts:profile", args=[tom.public_id]) in client.get(reverse("accounts:blocked")).text


def test_nobody_lifts_a_block_from_someone_elses_list(bottle_chat, seasoned, client):
    chat.conversation_block_other(actor=seasoned["emma"], conversation_id=bottle_chat.pk)
    block = Block.objects.get(blocker=seasoned["emma"])
    client.force_login(seasoned["tom"])
    assert client.post(reverse("accounts:block_lift", args=[block.pk])).status_code == 404
    assert Block.objects.filter(pk=block.pk).exists()


def test_either_person_can_end_it_and_then_nobody_writes(bottle_chat, seasoned):
    emma, tom = seasoned["emma"], seasoned["tom"]
    chat.conversation_end(actor=emma, conversation_id=bottle_chat.pk)
    for person in (emma, tom):
        with pytest.raises(NotFound):
            chat.message_send(sender=person, conversation=bottle_chat, text="still there?")
    last = Message.objects.filter(conversation=bottle_chat).order_by("-seq").first()
    assert last.payload["event"] == "bottle_ended"
    # Both can still read what was said.
    membership = chat_selectors.access_membership(user=tom, pk=bottle_chat.pk, include_inactive=True)
    assert len(chat_selectors.history(membership)) == 3


def test_only_a_bottle_chat_can_be_ended(seasoned):
    conv = chat.conversation_direct_get_or_create(a=seasoned["emma"], b=seasoned["sophie"])
    with pytest.raises(NotFound):
        chat.conversation_end(actor=seasoned["emma"], conversation_id=conv.pk)
    with pytest.raises(NotFound):
        chat.conversation_block_other(actor=seasoned["emma"], conversation_id=conv.pk)


def test_no_money_moves_between_bottle_strangers(bottle_chat, seasoned):
    assert composer.actions_for(bottle_chat) == []
    assert composer.actions_for(
        chat.conversation_direct_get_or_create(a=seasoned["emma"], b=seasoned["sophie"])
    )


def test_strangers_see_each_others_name_avatar_and_region_not_the_public_id(bottle_chat, seasoned, client_as):
    tom, emma = seasoned["tom"], seasoned["emma"]
    page = client_as(tom).get(f"/chats/{bottle_chat.pk}/")
    html = page.content.decode()
    assert page.context["masked"] and str(emma) in html and "Auckland" in html
    assert emma.public_id not in html and f"/u/{emma.public_id}" not in html
    assert page.context["chat_state"]["members"][str(emma.pk)]["public_id"] == ""
    info = client_as(tom).get(f"/chats/{bottle_chat.pk}/info/").content.decode()
    assert emma.public_id not in info and "Auckland" in info and 'data-testid="end-bottle-chat"' in info


def test_once_friends_they_see_each_others_profile(bottle_chat, seasoned, client_as):
    tom, emma = seasoned["tom"], seasoned["emma"]
    request = accounts.friend_request_send(sender=tom, recipient=emma)
    accounts.friend_request_accept(actor=emma, request_id=request.pk)
    html = client_as(tom).get(f"/chats/{bottle_chat.pk}/info/").content.decode()
    assert f"/accounts/u/{emma.public_id}/" in html


def test_the_chat_pages_end_and_block_over_http(bottle_chat, seasoned, client_as):
    tom, emma = seasoned["tom"], seasoned["emma"]
    client = client_as(tom)
    assert client.post(f"/chats/{bottle_chat.pk}/info/", {"action": "block"}).status_code == 302
    assert Block.objects.filter(blocker=tom, blocked=emma).exists()
    assert client.post(f"/chats/{bottle_chat.pk}/info/", {"action": "end"}).status_code == 302
    assert Conversation.objects.get(pk=bottle_chat.pk).ended_at is not None
    assert "This bottle chat has ended." in client.get(f"/chats/{bottle_chat.pk}/").content.decode()


def test_either_can_ask_the_other_to_be_friends_from_the_bottle_chat(bottle_chat, seasoned, client_as):
    tom, emma = seasoned["tom"], seasoned["emma"]
    html = client_as(tom).post(f"/chats/{bottle_chat.pk}/info/", {"action": "befriend"}, follow=True)
    assert "Friend request sent." in html.content.decode()
    request = FriendRequest.objects.get(from_user=tom, to_user=emma, status=FriendRequest.Status.PENDING)
    accounts.friend_request_accept(actor=emma, request_id=request.pk)
    info = client_as(tom).get(f"/chats/{bottle_chat.pk}/info/").content.decode()
    assert 'data-testid="befriend"' not in info and f"/accounts/u/{emma.public_id}/" in info
