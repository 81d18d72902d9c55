"""My QR code: a signed link that opens the profile; tampered, foreign and reset codes are refused."""

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.accounts import services
from apps.core import clock, tokens
from apps.core.errors import DomainError

pytestmark = pytest.mark.django_db


def my_token(user):
    return tokens.sign("user", {"u": user.pk, "v": user.qr_version})


def test_qr_images_are_served_as_svg_and_png(client_as, liwei):
    client = client_as(liwei)
    svg = client.get(reverse("accounts:my_qr_image", args=["svg"]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = client.get(reverse("accounts:my_qr_image", args=["png"]))
    assert png["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/accounts/me/qr.gif").status_code == 404


def test_scanning_opens_the_profile_ready_to_add(client_as, liwei, sophie):
    response = client_as(sophie).get(reverse("accounts:qr_open", args=[my_token(liwei)]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:profile", args=[liwei.public_id]) + "?via=qr"
    assert "Add to Contacts" in response.content.decode()
    assert 'name="source" value="qr"' in response.content.decode()


def test_tampered_token_is_refused(client_as, liwei, tom):
    token = my_token(liwei)
    forged = token[:-3] + ("aaa" if token[-3:] != "aaa" else "bbb")
    response = client_as(tom).get(reverse("accounts:qr_open", args=[forged]), follow=True)
    assert "no longer valid" in response.content.decode()


def test_a_token_of_another_kind_is_refused(liwei):
    token = tokens.sign("payment", {"u": liwei.pk, "v": 1})
    with pytest.raises(tokens.InvalidToken):
        tokens.unsign("user", token)


def test_expired_token_is_refused_on_the_one_clock():
    token = tokens.sign("chat.invite", {"v": 1})  # the one kind that expires today
    assert tokens.unsign("chat.invite", token, max_age=30)["v"] == 1
    clock.advance(timedelta(seconds=31))
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.unsign("chat.invite", token, max_age=30)


def test_reset_invalidates_old_codes(client_as, liwei, tom):
    old = my_token(liwei)
    services.qr_reset(user=liwei)
    response = client_as(tom).get(reverse("accounts:qr_open", args=[old]), follow=True)
    assert "no longer valid" in response.content.decode()
    assert client_as(tom).get(reverse("accounts:qr_open", args=[my_token(liwei)])).status_code == 302


def test_qr_request_refused_when_switched_off(liwei, tom):
    services.settings_update(user=liwei, addable_by_qr=False)
    with pytest.raises(DomainError):
        services.friend_request_send(sender=tom, recipient=liwei, source="qr")
