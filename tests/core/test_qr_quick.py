"""qr.qr_svg_quick (the check-in kiosk's code, redrawn every 30 s): the same modules as qrcode draws with that mask,
as one path of runs; tests/e2e/test_checkin.py decodes a photo of the kiosk's code through the Scan page."""

import re

import qrcode

from apps.core import qr


def test_the_fast_svg_draws_exactly_the_codes_dark_modules():
    data = "http://127.0.0.1:8000/checkin/c/k/" + "a1B2" * 30 + "/"
    svg = qr.qr_svg_quick(data)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, mask_pattern=0)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    assert f'viewBox="0 0 {size} {size}"' in svg
    drawn = [[False] * size for _ in range(size)]
    for x, y, run in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        for dx in range(int(run)):
            assert not drawn[int(y)][int(x) + dx]  # runs never overlap
            drawn[int(y)][int(x) + dx] = True
    assert drawn == matrix
