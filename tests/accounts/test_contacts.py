"""Friend requests, contacts, remarks, removal and blocking."""

import pytest
from django.urls import reverse

from apps.accounts import selectors, services
from apps.accounts.models import FriendRequest, Friendship
from apps.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_request_then_accept_makes_friends_both_ways(tom, emma, published_events):
    with published_events() as sent:
        request = services.friend_request_send(sender=tom, recipient=emma, message="Hi Emma, Tom here")
    assert [e["type"] for e in sent if e["user_ids"] == [emma.pk]] == ["contacts.request", "badges"]
    assert sent[-1]["data"]["contacts"] == 1
    assert not selectors.are_friends(tom, emma)

    with published_events() as sent:
        services.friend_request_accept(actor=emma, request_id=request.pk, remark="Tom from Yorkshire")
    assert selectors.are_friends(tom, emma)
    assert Friendship.objects.get(owner=emma, friend=tom).remark == "Tom from Yorkshire"
    added = {e["user_ids"][0]: e for e in sent if e["type"] == "contacts.friend_added"}
    assert set(added) == {tom.pk, emma.pk}


def test_only_the_recipient_can_accept(tom, emma, james):
    request = services.friend_request_send(sender=tom, recipient=emma)
    with pytest.raises(DomainError):
        services.friend_request_accept(actor=james, request_id=request.pk)
    with pytest.raises(DomainError):
        services.friend_request_accept(actor=tom, request_id=request.pk)
    assert not selectors.are_friends(tom, emma)


def test_accepting_twice_is_refused(tom, emma):
    request = services.friend_request_send(sender=tom, recipient=emma)
    services.friend_request_accept(actor=emma, request_id=request.pk)
    with pytest.raises(DomainError, match="no longer pending"):
        services.friend_request_accept(actor=emma, request_id=request.pk)


def test_crossing_requests_become_friends(tom, emma):
    services.friend_request_send(sender=tom, recipient=emma)
    services.friend_request_send(sender=emma, recipient=tom)
    assert selectors.are_friends(tom, emma)
    assert not FriendRequest.objects.filter(
        status="pending", from_user__in=[tom, emma], to_user__in=[tom, emma]
    ).exists()


def test_resending_updates_the_one_pending_request(tom, emma):
    services.friend_request_send(sender=tom, recipient=emma, message="first")
    services.friend_request_send(sender=tom, recipient=emma, message="second")
    pending = FriendRequest.objects.filter(from_user=tom, to_user=emma, status="pending")
    assert [r.message for r in pending] == ["second"]


def test_cannot_add_self_or_existing_friend(liwei, wangfang):
    with pytest.raises(DomainError, match="yourself"):
        services.friend_request_send(sender=liwei, recipient=liwei)
    with pytest.raises(DomainError, match="already friends"):
        services.friend_request_send(sender=liwei, recipient=wangfang)


def test_decline_leaves_no_friendship(tom, emma):
    request = services.friend_request_send(sender=tom, recipient=emma)
    services.friend_request_decline(actor=emma, request_id=request.pk)
    assert not selectors.are_friends(tom, emma)
    assert selectors.pending_request_count(emma) == 0


def test_one_way_removal_like_wechat(liwei, wangfang):
    services.friend_remove(actor=liwei, friend=wangfang)
    assert not selectors.are_friends(liwei, wangfang)
    assert not selectors.can_message(wangfang, liwei)
    # wangfang still lists liwei, and may ask again
    assert Friendship.objects.filter(owner=wangfang, friend=liwei).exists()
    request = services.friend_request_send(sender=wangfang, recipient=liwei)
    services.friend_request_accept(actor=liwei, request_id=request.pk)
    assert selectors.are_friends(liwei, wangfang)


def test_blocked_person_cannot_request_find_or_message(liwei, wangfang, tom):
    services.user_block(actor=liwei, target=tom)
    # tom's pending request to liwei (from the sample data) is gone
    assert not FriendRequest.objects.filter(from_user=tom, to_user=liwei, status="pending").exists()
    with pytest.raises(DomainError, match="can't be added"):
        services.friend_request_send(sender=tom, recipient=liwei)
    assert selectors.search_by_id(viewer=tom, query=liwei.public_id) is None
    services.user_block(actor=liwei, target=wangfang)
    assert not selectors.can_message(wangfang, liwei)
    assert not selectors.can_message(liwei, wangfang)


def test_blocked_person_gets_404_on_the_profile(client_as, liwei, tom):
    services.user_block(actor=liwei, target=tom)
    response = client_as(tom).get(reverse("accounts:profile", args=[liwei.public_id]))
    assert response.status_code == 404


def test_unblock_restores(liwei, wangfang):
    services.user_block(actor=liwei, target=wangfang)
    services.user_unblock(actor=liwei, target=wangfang)
    assert selectors.can_message(wangfang, liwei)


def test_search_by_exact_public_id_respects_privacy(liwei, emma):
    assert selectors.search_by_id(viewer=liwei, query=emma.public_id) == emma
    assert selectors.search_by_id(viewer=liwei, query="emm") is None
    services.settings_update(user=emma, findable_by_id=False)
    assert selectors.search_by_id(viewer=liwei, query=emma.public_id) is None


def test_search_is_rate_limited(client_as, liwei, settings, window_start):
    settings.SEARCH_LIMIT = (2, 60)
    client = client_as(liwei)
    for _ in range(2):
        assert "too often" not in client.get(reverse("accounts:add_friend"), {"q": "emma"}).content.decode()
    assert (
        "too often" in client.get(reverse("accounts:add_friend"), {"q": "emma"}, follow=True).content.decode()
    )


def test_friend_requests_are_rate_limited(liwei, cast, settings, window_start):
    settings.FRIEND_REQUEST_LIMIT = (1, 3600)
    services.friend_request_send(sender=liwei, recipient=cast["sophie"])
    with pytest.raises(DomainError, match="a lot of friend requests"):
        services.friend_request_send(sender=liwei, recipient=cast["sunli"])


def test_friend_cap(liwei, cast, settings):
    settings.FRIEND_CAP = 5  # liwei has 5 friends in the sample data
    with pytest.raises(DomainError, match="limit of 5 friends"):
        services.friend_request_send(sender=liwei, recipient=cast["sophie"])


def test_remark_shows_only_to_its_owner(client_as, liwei, zhangmin, wangfang):
    assert "Min (Anshan)" in client_as(liwei).get(reverse("accounts:contacts")).content.decode()
    assert "Min (Anshan)" not in client_as(wangfang).get(reverse("accounts:contacts")).content.decode()


def test_contacts_are_grouped_by_pinyin_initial(liwei):
    groups = dict(selectors.contacts_of(liwei))
    assert [c.name for c in groups["W"]] == ["王芳"]
    assert [c.name for c in groups["C"]] == ["陈静"]
    assert "E" in groups and "J" in groups


def test_contacts_page_query_count_is_bounded(client_as, liwei, django_assert_max_num_queries):
    client = client_as(liwei)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("accounts:contacts")).status_code == 200


def test_request_flow_over_http(client, liwei, sophie):
    client.force_login(sophie)
    client.post(
        reverse("accounts:friend_request", args=[liwei.public_id]), {"message": "Hi Wei", "source": "search"}
    )
    request = FriendRequest.objects.get(from_user=sophie, to_user=liwei, status="pending")
    client.force_login(liwei)
    page = client.get(reverse("accounts:new_friends")).content.decode()
    assert "Hi Wei" in page
    client.post(reverse("accounts:request_accept", args=[request.pk]))
    assert selectors.are_friends(liwei, sophie)


def test_a_stranger_cannot_accept_someone_elses_request_over_http(client_as, tom, liwei, emma):
    request = FriendRequest.objects.get(from_user=tom, to_user=liwei)
    client_as(emma).post(reverse("accounts:request_accept", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == "pending"


def test_people_you_may_know_ranks_by_mutual_friends(liwei, cast):
    suggestions = selectors.people_you_may_know(liwei)
    names = [p.username for p in suggestions]
    # sunli shares wangfang and chenjing with liwei; tom is excluded once blocked
    assert names[0] == "sunli" and suggestions[0].mutual == 2
    assert not {"liwei", "wangfang", "zhangmin", "chenjing", "emma", "james"} & set(names)
    assert not {"tom", "zhaolei"} & set(names)  # their requests are already waiting
    services.user_block(actor=cast["sophie"], target=liwei)
    assert "sophie" not in [p.username for p in selectors.people_you_may_know(liwei)]


def test_new_friends_page_query_count_is_bounded(client_as, liwei, django_assert_max_num_queries):
    client = client_as(liwei)
    with django_assert_max_num_queries(10):
        assert "People you may know" in client.get(reverse("accounts:new_friends")).content.decode()
