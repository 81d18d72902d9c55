"""Uploaded images: the app's own size limit and format allow-list, through a real upload."""

from io import BytesIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.core.images import ImageRejected, process_image


def upload(image: Image.Image, fmt: str, **options) -> SimpleUploadedFile:
    buffer = BytesIO()
    image.save(buffer, format=fmt, **options)
    return SimpleUploadedFile(f"picture.{fmt.lower()}", buffer.getvalue())


def test_a_45_megapixel_image_is_refused_before_decoding():
    # One colour, one bit per pixel: a 5 kB file that would decode to 135 MB of RGB.
    big = upload(Image.new("1", (7500, 6000)), "PNG")
    assert settings.IMAGE_MAX_PIXELS < 7500 * 6000 < Image.MAX_IMAGE_PIXELS
    assert big.size < settings.IMAGE_MAX_BYTES
    with pytest.raises(ImageRejected, match="dimensions are too large"):
        process_image(big)


def test_an_image_just_under_the_limit_is_accepted():
    side = int(settings.IMAGE_MAX_PIXELS**0.5)
    result = process_image(upload(Image.new("1", (side, side)), "PNG"), max_side=64)
    assert Image.open(result).size == (64, 64)


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_formats_outside_the_allow_list_are_refused(fmt):
    with pytest.raises(ImageRejected, match=r"not an image we can use \(JPEG, PNG, GIF or WebP\)"):
        process_image(upload(Image.new("RGB", (32, 32), (200, 30, 30)), fmt))


def test_an_animated_png_is_refused():
    frames = [Image.new("RGB", (32, 32), colour) for colour in ((200, 30, 30), (30, 30, 200))]
    animated = upload(frames[0], "PNG", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageRejected, match="Animated PNG images can't be used"):
        process_image(animated)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_allowed_formats_become_a_clean_jpeg(fmt):
    result = process_image(upload(Image.new("RGB", (32, 32), (200, 30, 30)), fmt))
    assert Image.open(result).format == "JPEG"


@pytest.mark.django_db
def test_a_too_large_photo_in_a_chat_gets_a_clear_message(client, liwei, wangfang):
    from apps.chat import services as chat_services

    chat = chat_services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    client.force_login(liwei)
    big = upload(Image.new("1", (7500, 6000)), "PNG")
    response = client.post(f"/chats/{chat.pk}/image", {"image": big})
    assert response.status_code == 400 and response.json()["error"] == "The image's dimensions are too large."
