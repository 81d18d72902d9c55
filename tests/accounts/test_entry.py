"""Login and sign-up carry where the person was going (a scanned code), on this site only."""

import pytest
from django.urls import reverse

PAY = "/wallet/pay/some-token/"
SIGNUP = {
    "username": "meimei",
    "display_name": "韩梅梅",
    "password1": "lotus-pond-42",
    "password2": "lotus-pond-42",
}


def _login(client, next_url):
    return client.post(
        reverse("accounts:login"), {"username": "liwei", "password": "demo-pass-2026", "next": next_url}
    )


@pytest.mark.parametrize(
    "evil",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_login_and_signup_never_redirect_off_site(client, cast, evil):
    assert _login(client, evil).url == reverse("chat:list")
    client.logout()
    assert client.post(reverse("accounts:signup"), {**SIGNUP, "next": evil}).url == reverse("chat:list")


def test_a_scanned_code_survives_login(client, cast):
    assert _login(client, PAY).url == PAY


def test_a_scanned_code_survives_sign_up(client, db):
    page = client.get(reverse("accounts:signup"), {"next": PAY}).content.decode()
    assert f'name="next" value="{PAY}"' in page
    assert client.post(reverse("accounts:signup"), {**SIGNUP, "next": PAY}).url == PAY


def test_login_page_passes_the_code_on_to_sign_up_and_back(client, db):
    login_page = client.get(reverse("accounts:login"), {"next": PAY}).content.decode()
    assert f"{reverse('accounts:signup')}?next=%2Fwallet%2Fpay%2Fsome-token%2F" in login_page
    assert "continue with the code you opened" in login_page
    signup_page = client.get(reverse("accounts:signup"), {"next": PAY}).content.decode()
    assert f"{reverse('accounts:login')}?next=%2Fwallet%2Fpay%2Fsome-token%2F" in signup_page


def test_friend_qr_opened_logged_out_ends_on_the_profile_after_login(client, cast):
    liwei = cast["liwei"]
    client.force_login(liwei)
    qr_url = client.get(reverse("accounts:my_qr")).context["qr_url"]
    client.logout()
    path = qr_url.split("testserver", 1)[1]
    response = client.get(path)
    assert response.url.startswith(reverse("accounts:login") + "?next=")
    response = client.post(
        response.url, {"username": "sophie", "password": "demo-pass-2026", "next": path}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:profile", args=[liwei.public_id]) + "?via=qr"


def test_already_logged_in_goes_on_to_the_code(client, cast):
    client.force_login(cast["liwei"])
    assert client.get(reverse("accounts:login"), {"next": PAY}).url == PAY


def test_login_page_puts_sign_up_and_language_before_the_sample_people(client, cast, settings):
    settings.DEMO_MODE = True
    html = client.get(reverse("accounts:login")).content.decode()
    signup, language = html.index('data-testid="signup-link"'), html.index("简体中文")
    samples = html.index('<details class="demo-people">')
    assert signup < samples and language < samples
    assert "Try as a sample user" in html
    assert "drift bottle" not in html.lower()
