"""Profile edits and avatar uploads: checked by content, refused cheaply, re-encoded."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from apps.accounts import services
from apps.core import clock
from apps.core.errors import DomainError

pytestmark = pytest.mark.django_db


def image_bytes(size=(600, 400), fmt="JPEG", exif=None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def upload(client, name, content, content_type="image/jpeg"):
    return client.post(
        reverse("accounts:avatar"), {"avatar": SimpleUploadedFile(name, content, content_type)}, follow=True
    )


def test_avatar_is_cut_to_a_256_square_and_location_dropped(client_as, liwei):
    exif = Image.Exif()
    exif[0x8825] = {2: (31.0, 14.0, 0.0)}  # GPS latitude
    response = upload(client_as(liwei), "me.jpg", image_bytes(exif=exif))
    assert "Avatar updated" in response.content.decode()
    liwei.refresh_from_db()
    with Image.open(liwei.avatar.path) as saved:
        assert saved.size == (256, 256)
        assert saved.format == "JPEG"
        assert not saved.getexif()


def test_png_with_transparency_is_accepted(client_as, liwei):
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 300), (0, 0, 0, 0)).save(buffer, format="PNG")
    response = upload(client_as(liwei), "me.png", buffer.getvalue(), "image/png")
    assert "Avatar updated" in response.content.decode()


def test_a_text_file_named_jpg_is_refused(client_as, liwei):
    response = upload(client_as(liwei), "me.jpg", b"this is not a picture at all")
    assert "not an image we can use" in response.content.decode()
    liwei.refresh_from_db()
    assert not liwei.avatar


def test_svg_is_refused(client_as, liwei):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = upload(client_as(liwei), "me.svg", svg, "image/svg+xml")
    assert "not an image we can use" in response.content.decode()


def test_a_6_mb_file_is_refused(client_as, liwei):
    big = image_bytes() + b"\0" * (6 * 1024 * 1024)
    response = upload(client_as(liwei), "big.jpg", big)
    assert "larger than 5 MB" in response.content.decode()
    liwei.refresh_from_db()
    assert not liwei.avatar


def test_a_decompression_bomb_is_refused_from_its_header(client_as, liwei):
    # A small PNG that claims 20,000 × 20,000 pixels: refused before any decoding.
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, format="PNG", optimize=True)
    assert len(buffer.getvalue()) < 1024 * 1024
    response = upload(client_as(liwei), "bomb.png", buffer.getvalue(), "image/png")
    assert "dimensions are too large" in response.content.decode()
    liwei.refresh_from_db()
    assert not liwei.avatar


def test_profile_edit_saves_and_escapes(client_as, liwei):
    client = client_as(liwei)
    client.post(
        reverse("accounts:profile_edit"),
        {"display_name": "<b>Wei</b>", "bio": "<script>x</script>", "region": "Shanghai", "gender": "male"},
    )
    page = client.get(reverse("accounts:me")).content.decode()
    assert "&lt;b&gt;Wei&lt;/b&gt;" in page
    assert "<script>x</script>" not in page


def test_public_id_changes_once_a_year(liwei):
    services.public_id_change(user=liwei, public_id="wei_shanghai")
    with pytest.raises(DomainError, match="once a year"):
        services.public_id_change(user=liwei, public_id="wei_again")
    clock.advance(timedelta(days=366))
    services.public_id_change(user=liwei, public_id="wei_again")
    assert liwei.public_id == "wei_again"


def test_the_next_public_id_change_is_dated_in_chinas_zone(liwei, clock_at):
    clock_at("2026-12-05T23:30:00Z")  # already 6 December in Shanghai
    services.public_id_change(user=liwei, public_id="wei_shanghai")
    with pytest.raises(DomainError, match="next on 2027-12-06"):
        services.public_id_change(user=liwei, public_id="wei_again")


def test_public_id_must_be_valid_and_free(liwei, wangfang):
    with pytest.raises(DomainError, match="6 to 20"):
        services.public_id_change(user=liwei, public_id="x!")
    with pytest.raises(DomainError, match="taken"):
        services.public_id_change(user=liwei, public_id=wangfang.public_id.upper())
