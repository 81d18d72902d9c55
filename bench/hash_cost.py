"""Cost of one login-password check and one payment-PIN hash check on the project's real settings.

    DEBUG=1 PYTHONPATH=. .venv/bin/python bench/hash_cost.py

Prints wall and CPU time per check (the previous PBKDF2 cost alongside, as the baseline in the same run).
"""

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialdemo.settings")

import django

django.setup()

from django.contrib.auth.hashers import check_password, make_password  # noqa: E402

from apps.wallet.pin import pin_hash_make, pin_hash_matches  # noqa: E402


def per_call(fn, n: int) -> tuple[float, float]:
    fn()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        fn()
    return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n


password = "lotus-pond-42"
argon2 = make_password(password)
pbkdf2 = make_password(password, hasher="pbkdf2_sha256")
pin = pin_hash_make("135790")
rows = [
    (
        "login check, Argon2id m=19 MiB t=2 p=1",
        *per_call(lambda: check_password(password, argon2), 30),
        1e3,
        "ms",
    ),
    ("login check, PBKDF2 (before)", *per_call(lambda: check_password(password, pbkdf2), 3), 1e3, "ms"),
    ("PIN check, HMAC-SHA256", *per_call(lambda: pin_hash_matches("135790", pin), 20_000), 1e6, "µs"),
]
for label, wall, cpu, scale, unit in rows:
    print(f"{label:42} {wall * scale:8.1f} {unit} wall {cpu * scale:8.1f} {unit} CPU")
