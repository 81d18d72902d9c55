"""Uploaded images: checked by content, refused cheaply when too big, re-encoded (which drops EXIF)."""

import io
import uuid
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from apps.core.errors import DomainError

ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


class ImageRejected(DomainError):
    code = "bad_image"


def process_image(upload, *, square: int | None = None, max_side: int = 2048) -> ContentFile:
    """Return a clean JPEG of `upload` (cut to a `square` if given), or raise ImageRejected."""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.IMAGE_MAX_BYTES:
        raise ImageRejected(_("The image is larger than 5 MB. Please choose a smaller one."))
    try:
        upload.seek(0)
        image = Image.open(upload)  # reads the header only: dimensions are known before decoding
    except Image.DecompressionBombError as exc:
        raise ImageRejected(_("The image's dimensions are too large.")) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageRejected(_("That file is not an image we can use (JPEG, PNG, GIF or WebP).")) from exc
    if image.format not in ALLOWED_FORMATS:
        raise ImageRejected(_("That file is not an image we can use (JPEG, PNG, GIF or WebP)."))
    if image.format == "PNG" and getattr(image, "is_animated", False):  # APNG: known from its header
        raise ImageRejected(_("Animated PNG images can't be used. Please choose a still image."))
    width, height = image.size
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise ImageRejected(_("The image's dimensions are too large."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(_("The image could not be read; it may be damaged.")) from exc
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    else:
        image = image.convert("RGB")
    if square:
        image = ImageOps.fit(image, (square, square), Image.Resampling.LANCZOS)
    else:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
