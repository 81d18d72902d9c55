"""QR images for any URL, as SVG (crisp on screens and paper) or PNG (to save or share)."""

import io

import qrcode
import qrcode.image.svg
from django.http import HttpResponse


def qr_svg(data: str) -> str:
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2)
    return img.to_string(encoding="unicode")


def qr_png(data: str, *, box_size: int = 10) -> bytes:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2)
    qr.add_data(data)
    buffer = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def qr_response(data: str, fmt: str) -> HttpResponse:
    """Serve `data` as a QR image; the code is private to the asker, so never cache it publicly."""
    if fmt == "png":
        response = HttpResponse(qr_png(data), content_type="image/png")
    else:
        response = HttpResponse(qr_svg(data), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response
