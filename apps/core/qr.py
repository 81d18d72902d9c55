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


def qr_svg_fast(data: str, *, mask: int = 2) -> str:
    """`data` as SVG in a few milliseconds, for codes that change often (a check-in kiosk's, every 30 s): one
    fixed mask pattern (all eight are valid; picking the best one is most of qrcode's time), and the dark
    modules as one path of horizontal runs."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, mask_pattern=mask)
    code.add_data(data)
    code.make(fit=True)
    rows = code.get_matrix()
    size = len(rows)
    runs = []
    for y, row in enumerate(rows):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size * 10}" '
        f'height="{size * 10}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
