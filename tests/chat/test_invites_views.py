"""The way in through a group invite: logged out, through sign-up or login, or by typing the join code."""

from urllib.parse import parse_qs, urlencode, urlsplit

from django.urls import reverse

from apps.accounts.models import User
from apps.chat import invites, selectors
from apps.chat.models import Conversation

SIGNUP = {
    "username": "meimei",
    "display_name": "韩梅梅",
    "password1": "lotus-pond-42",
    "password2": "lotus-pond-42",
}


def _join_url(group, by):
    return reverse("chat:join", args=[invites.invite_token(actor=by, conversation=group)])


def test_logged_out_person_sees_the_group_and_signs_up_into_it(client, group, liwei):
    url = _join_url(group, liwei)
    html = client.get(url).content.decode()
    assert "Team" in html and "Sign up to join" in html

    response = client.post(url, {"then": "signup"})
    assert response.url == f"{reverse('accounts:signup')}?{urlencode({'next': url})}"
    response = client.post(response.url, {**SIGNUP, "next": url})
    assert response.url == url
    response = client.get(url)
    assert response.url == reverse("chat:thread", args=[group.pk])
    assert User.objects.get(username="meimei").pk in selectors.member_ids(group)


def test_logged_out_person_logs_in_into_the_group(client, group, liwei, sunli):
    url = _join_url(group, liwei)
    response = client.post(url, {"then": "login"})
    assert response.url.startswith(reverse("accounts:login"))
    response = client.post(response.url, {"username": "sunli", "password": "demo-pass-2026", "next": url})
    assert client.get(response.url).url == reverse("chat:thread", args=[group.pk])
    assert sunli.pk in selectors.member_ids(group)


def test_a_link_alone_never_joins(client, group, liwei, sunli):
    """Someone logging in with a join page as `next` they never chose to join sees the group first."""
    url = _join_url(group, liwei)
    client.post(reverse("accounts:login"), {"username": "sunli", "password": "demo-pass-2026", "next": url})
    response = client.get(url)
    assert response.status_code == 200 and "Join group chat" in response.content.decode()
    assert sunli.pk not in selectors.member_ids(group)


def test_join_code_typed_on_sign_up_lands_in_the_group(client, group, liwei):
    code, _e = invites.join_code_for(actor=liwei, conversation=group)
    response = client.post(reverse("chat:join_code"), {"code": code.lower()})
    assert response.url.startswith(reverse("accounts:signup") + "?next=")
    page = client.get(response.url).content.decode()
    assert "Code accepted: sign up (or log in) to join Team." in page
    next_url = parse_qs(urlsplit(response.url).query)["next"][0]
    response = client.post(response.url, {**SIGNUP, "next": next_url})
    assert client.get(response.url).url == reverse("chat:thread", args=[group.pk])
    assert User.objects.get(username="meimei").pk in selectors.member_ids(group)


def test_wrong_join_code_on_sign_up_says_why_and_creates_nothing(client, group):
    response = client.post(reverse("chat:join_code"), {"code": "ZZZZ2222"}, follow=True)
    assert "No group has this join code" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("accounts:signup")


def test_logged_in_join_code_page(client_as, group, liwei, sunli):
    code, _e = invites.join_code_for(actor=liwei, conversation=group)
    client = client_as(sunli)
    assert "Group join code" in client.get(reverse("chat:join_code")).content.decode()
    response = client.post(reverse("chat:join_code"), {"code": "ZZZZ-2222"})
    assert response.status_code == 400 and "No group has this join code" in response.content.decode()
    response = client.post(reverse("chat:join_code"), {"code": code})
    assert response.url.startswith("/chats/join/")
    assert "Team" in client.get(response.url).content.decode()
    assert client.post(response.url).url == reverse("chat:thread", args=[group.pk])


def test_invite_page_shows_the_join_code_and_reset_only_to_owner_and_admins(
    client_as, group, liwei, wangfang
):
    html = client_as(liwei).get(reverse("chat:invite", args=[group.pk])).content.decode()
    code = Conversation.objects.get(pk=group.pk).join_code
    assert f"{code[:4]} {code[4:]}" in html and 'data-testid="invite-reset"' in html
    html = client_as(wangfang).get(reverse("chat:invite", args=[group.pk])).content.decode()
    assert 'data-testid="invite-reset"' not in html


def test_reset_by_owner_refuses_old_links(client_as, group, liwei, sunli):
    url = _join_url(group, liwei)
    client = client_as(liwei)
    response = client.post(reverse("chat:invite_reset", args=[group.pk]), follow=True)
    assert "were reset" in response.content.decode()
    response = client_as(sunli).get(url)
    assert response.status_code == 400 and "has been reset" in response.content.decode()


def test_reset_by_a_member_is_refused(client_as, group, wangfang):
    before = Conversation.objects.get(pk=group.pk).invite_version
    response = client_as(wangfang).post(reverse("chat:invite_reset", args=[group.pk]), follow=True)
    assert "Only the group owner and admins" in response.content.decode()
    assert Conversation.objects.get(pk=group.pk).invite_version == before


def test_reset_needs_post_and_membership(client_as, group, sunli):
    client = client_as(sunli)
    assert client.get(reverse("chat:invite_reset", args=[group.pk])).status_code == 405
    assert client.post(reverse("chat:invite_reset", args=[group.pk])).status_code == 404


def test_tampered_invite_link_gets_a_clear_page(client, group, liwei):
    url = _join_url(group, liwei)
    response = client.get(url[:-3] + "xx/")
    assert response.status_code == 400 and "This code is not valid." in response.content.decode()


def test_a_group_too_big_for_codes_says_so_before_sign_up(client, group, liwei, django_user_model):
    from apps.chat.models import MAX_JOIN_BY_CODE, Membership
    from apps.core import clock

    extra = [
        django_user_model.objects.create(username=f"u{n}", public_id=f"user{n:04d}", display_name=f"U{n}")
        for n in range(MAX_JOIN_BY_CODE - 4)
    ]
    Membership.objects.bulk_create(
        [Membership(conversation=group, user=u, joined_at=clock.now()) for u in extra]
    )
    response = client.get(_join_url(group, liwei))
    assert response.status_code == 400
    assert "more than 200 members" in response.content.decode()
    assert "Sign up to join" not in response.content.decode()
    client.force_login(liwei)
    html = client.get(reverse("chat:invite", args=[group.pk])).content.decode()
    assert 'data-testid="too-big"' in html and 'data-testid="join-code"' not in html
