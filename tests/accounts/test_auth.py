"""Sign-up, login and its throttling, password change, language."""

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.accounts.models import User
from apps.core import clock

pytestmark = pytest.mark.django_db

SIGNUP = reverse("accounts:signup")
LOGIN = reverse("accounts:login")


def signup(client, **overrides):
    data = {
        "username": "meimei",
        "display_name": "韩梅梅",
        "password1": "lotus-pond-42",
        "password2": "lotus-pond-42",
    }
    return client.post(SIGNUP, {**data, **overrides})


def test_signup_logs_in_and_lands_on_chats(client):
    response = signup(client)
    assert response.status_code == 302 and response.url == reverse("chat:list")
    user = User.objects.get(username="meimei")
    assert user.display_name == "韩梅梅"
    assert user.public_id == "meimei"
    assert client.get(reverse("chat:list")).status_code == 200


def test_signup_refuses_weak_password_and_creates_nobody(client):
    response = signup(client, password1="123456", password2="123456")
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert not User.objects.filter(username="meimei").exists()


def test_signup_refuses_taken_username(client, liwei):
    response = signup(client, username="liwei")
    assert "already exists" in response.content.decode()
    assert User.objects.filter(username="liwei").count() == 1


def test_signup_gives_short_usernames_a_generated_public_id(client):
    signup(client, username="bo")
    assert User.objects.get(username="bo").public_id.startswith("wxid_")


def test_signups_from_one_address_are_rate_limited(client, settings, window_start):
    settings.SIGNUP_LIMIT_PER_ADDRESS = (2, 3600)
    for n in range(2):
        signup(client, username=f"person{n}x")
        client.logout()
    response = signup(client, username="person9x")
    assert "Too many sign-ups" in response.content.decode()
    assert not User.objects.filter(username="person9x").exists()


def test_login_with_sample_password(client, liwei):
    response = client.post(LOGIN, {"username": "liwei", "password": "demo-pass-2026"})
    assert response.status_code == 302
    assert client.get(reverse("accounts:me")).status_code == 200


def test_wrong_password_says_so(client, liwei):
    response = client.post(LOGIN, {"username": "liwei", "password": "nope"})
    assert "Wrong username or password" in response.content.decode()


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, liwei, window_start):
    for _ in range(5):
        client.post(LOGIN, {"username": "liwei", "password": "guess"})
    response = client.post(LOGIN, {"username": "liwei", "password": "demo-pass-2026"})
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_lifts_after_the_window(client, liwei, window_start):
    for _ in range(5):
        client.post(LOGIN, {"username": "liwei", "password": "guess"})
    clock.advance(timedelta(minutes=16))
    response = client.post(LOGIN, {"username": "liwei", "password": "demo-pass-2026"})
    assert response.status_code == 302


def test_failures_from_one_address_lock_other_accounts_too(client, settings, liwei, wangfang, window_start):
    for n in range(settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS):
        client.post(LOGIN, {"username": f"spray{n}", "password": "guess"})
    response = client.post(LOGIN, {"username": "wangfang", "password": "demo-pass-2026"})
    assert "Too many failed attempts" in response.content.decode()


def test_login_redirect_refuses_other_sites(client, liwei):
    response = client.post(
        LOGIN + "?next=//evil.example/", {"username": "liwei", "password": "demo-pass-2026"}
    )
    assert response.url == reverse("chat:list")


def test_logout_needs_post(client_as, liwei):
    client = client_as(liwei)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("chat:list")).status_code == 302


def test_password_change(client_as, liwei):
    client = client_as(liwei)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "demo-pass-2026",
            "new_password1": "jade-river-77",
            "new_password2": "jade-river-77",
        },
    )
    assert response.status_code == 302
    liwei.refresh_from_db()
    assert liwei.check_password("jade-river-77")
    assert client.get(reverse("accounts:me")).status_code == 200  # still logged in


def test_settings_switch_language_and_remember_it(client_as, liwei):
    client = client_as(liwei)
    response = client.post(
        reverse("accounts:settings"),
        {"language": "zh-hans", "findable_by_id": "on", "addable_by_qr": "on", "send_read_receipts": "on"},
    )
    assert response.cookies["django_language"].value == "zh-hans"
    liwei.refresh_from_db()
    assert liwei.language == "zh-hans"
    page = client.get(reverse("accounts:me")).content.decode()
    assert "通讯录" in page and "发现" in page


def test_login_restores_saved_language(client, liwei):
    liwei.language = "zh-hans"
    liwei.save()
    response = client.post(LOGIN, {"username": "liwei", "password": "demo-pass-2026"})
    assert response.cookies["django_language"].value == "zh-hans"


def test_pages_need_login(client, db):
    for name in ["chat:list", "accounts:contacts", "accounts:me", "core:discover", "accounts:my_qr"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(LOGIN)
