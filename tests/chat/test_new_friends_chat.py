"""Accepting a friend request opens the pair's chat with WeChat's greeting line, live for both of them."""

import pytest
from django.urls import reverse

from apps.accounts import services as accounts
from apps.accounts.models import FriendRequest
from apps.chat.models import Conversation, Message
from apps.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_accepting_opens_the_chat_with_the_greeting_line_for_both(tom, liwei, published_events):
    request = FriendRequest.objects.get(from_user=tom, to_user=liwei, status="pending")
    with published_events() as sent:
        accounts.friend_request_accept(actor=liwei, request_id=request.pk)
    conv = Conversation.objects.get(kind=Conversation.Kind.DIRECT, memberships__user=tom)
    assert set(conv.memberships.values_list("user_id", flat=True)) == {tom.pk, liwei.pk}
    line = Message.objects.get(conversation=conv)
    assert line.kind == Message.SYSTEM and line.payload["event"] == "friend_added"
    # Each reader's line names the other person.
    assert line.payload["params"]["names"] == {str(liwei.pk): str(tom), str(tom.pk): str(liwei)}
    heard = {user for e in sent if e["type"] == "chat.message" for user in e["user_ids"]}
    assert {tom.pk, liwei.pk} <= heard  # both get the line live
    assert {e["user_ids"][0] for e in sent if e["type"] == "contacts.friend_added"} == {tom.pk, liwei.pk}


def test_a_refused_accept_opens_no_chat(tom, liwei, emma):
    request = FriendRequest.objects.get(from_user=tom, to_user=liwei, status="pending")
    with pytest.raises(DomainError):  # not emma's request to accept
        accounts.friend_request_accept(actor=emma, request_id=request.pk)
    assert not Message.objects.filter(payload__event="friend_added").exists()


def test_accept_over_http_lands_in_the_new_chat(client_as, tom, liwei):
    request = FriendRequest.objects.get(from_user=tom, to_user=liwei, status="pending")
    client = client_as(liwei)
    response = client.post(reverse("accounts:request_accept", args=[request.pk]), follow=True)
    conv = Conversation.objects.get(kind=Conversation.Kind.DIRECT, memberships__user=tom)
    assert response.redirect_chain[-1][0] == reverse("chat:thread", args=[conv.pk])
