"""The sample data loads idempotently; moderators can deactivate accounts from the admin."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import FriendRequest, Friendship, User
from apps.accounts.seed import CAST

pytestmark = pytest.mark.django_db


def counts():
    return User.objects.count(), Friendship.objects.count(), FriendRequest.objects.count()


def test_seed_demo_twice_duplicates_nothing(capsys):
    call_command("seed_demo")
    first = counts()
    # The cast and the moderator (features may add sample accounts of their own, as Weibo's brands).
    assert (
        User.objects.filter(username__in=[p.username for p in CAST] + ["moderator"]).count() == len(CAST) + 1
    )
    call_command("seed_demo")
    assert counts() == first
    assert "demo-pass-2026" in capsys.readouterr().out


def test_seed_demo_keeps_what_people_did(liwei):
    liwei.bio = "Changed by me"
    liwei.save()
    call_command("seed_demo")
    liwei.refresh_from_db()
    assert liwei.bio == "Changed by me"


def test_seed_demo_reset_recreates(liwei):
    liwei.bio = "Changed by me"
    liwei.save()
    call_command("seed_demo", "--reset")
    assert User.objects.get(username="liwei").bio != "Changed by me"


def test_sample_people_can_log_in_with_the_published_password(cast):
    assert all(person.check_password("demo-pass-2026") for person in cast.values())


def test_moderator_deactivates_an_account(client, cast):
    moderator = User.objects.get(username="moderator")
    client.force_login(moderator)
    changelist = reverse("admin:accounts_user_changelist")
    assert "tom_demo" in client.get(changelist, {"q": "tom"}).content.decode()
    tom = cast["tom"]
    client.post(changelist, {"action": "deactivate", "_selected_action": [tom.pk]})
    tom.refresh_from_db()
    assert not tom.is_active
    client.logout()
    response = client.post(reverse("accounts:login"), {"username": "tom", "password": "demo-pass-2026"})
    assert "Wrong username or password" in response.content.decode()


def test_people_who_are_not_staff_cannot_open_the_admin(client_as, liwei):
    response = client_as(liwei).get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url
