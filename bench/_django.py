"""Set up Django for a benchmark as `make demo` does (its commands with DEBUG=1, DEMO_MODE=1; the real password and PIN
hashers) on a throwaway SQLite database (or DATABASE_URL), migrated and seeded.

The hashers are never swapped here: a benchmark measures what people get. Seeding many bench people hashes
their password (and PIN) once and gives every one of them that same hash.
"""

import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_PASSWORD = "bench-Pass-2468"
BENCH_PIN = "135790"


def setup(*, seed: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialdemo.settings")
    # The Makefile's demo target: its commands (migrate, seed_demo) run with DEBUG=1, its server with
    # DEMO_MODE=1 (bench/_serve.py); both use the same generated keys.
    os.environ["DEBUG"] = "1"
    os.environ["DEMO_MODE"] = "1"
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='socialdemo-bench-')}/bench.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if seed:
        call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


def people(prefix: str, n: int, *, password: bool = False, pin: bool = False) -> list:
    """n bench people named prefix0.., with BENCH_PASSWORD and/or BENCH_PIN, each hashed once for all."""
    from django.contrib.auth.hashers import make_password

    from apps.accounts.models import User

    hashed = make_password(BENCH_PASSWORD) if password else "!"
    User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{i}",
                public_id=f"{prefix}_{i:05d}",
                display_name=f"{prefix} {i}",
                password=hashed,
            )
            for i in range(n)
        ]
    )
    users = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    if pin:
        give_pin(users)
    return users


def give_pin(users: list) -> None:
    """Set BENCH_PIN through the wallet's own service once, then copy that hash to the others.

    If the PIN hash turns out to be tied to its person (the copy does not verify), set it for each one:
    such a hash is cheap by design."""
    from apps.wallet import services
    from apps.wallet.models import PaymentProfile

    first, rest = users[0], users[1:]
    services.pin_set(actor=first, pin=BENCH_PIN, confirm=BENCH_PIN)
    hashed = services.profile_for(first).pin_hash
    for u in rest:
        services.profile_for(u)
    PaymentProfile.objects.filter(user__in=rest).update(pin_hash=hashed)
    if rest:
        try:
            services.pin_check(actor=rest[0], pin=BENCH_PIN)
        except Exception:
            PaymentProfile.objects.filter(user__in=rest).update(pin_hash="", failed_attempts=0)
            for u in rest:
                services.pin_set(actor=u, pin=BENCH_PIN, confirm=BENCH_PIN)


def session_cookies(users: list) -> list[str]:
    """A logged-in session per person, as after a login (Cookie header values), written in bulk."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    rows, cookies = [], []
    for u in users:
        store = SessionStore()
        key = store._get_new_session_key()
        data = {
            SESSION_KEY: str(u.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: u.get_session_auth_hash(),
        }
        rows.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=store.get_expiry_date())
        )
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={key}")
    Session.objects.bulk_create(rows, batch_size=500)
    return cookies


def summary(samples_ms: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered), p95, statistics.fmean(ordered)


def table(title: str, header: list[str], rows: list[list]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    print(title)
    print("  " + "  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=False)))
    for row in rows:
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)))


def fresh_pg(name: str) -> str | None:
    """The URL of PostgreSQL database `name`, dropped and created anew; None (said why) if there is no server."""
    from _serve import fresh_pg as made

    url, reason = made(name)
    if reason:
        print(f"PostgreSQL skipped: {reason}")
    return url


def run_child(script: str, db: str, env: dict) -> dict | None:
    """Run `script db` in a process of its own; the last JSON line it printed (None, with its errors, if it failed)."""
    import json
    import subprocess

    result = subprocess.run(
        [sys.executable, str(Path(script).resolve()), db],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode or not lines:
        print(f"{db}: failed\n{result.stderr[-2000:]}")
        return None
    return json.loads(lines[-1])


def child_or_main(child, main, here) -> None:
    """A benchmark script's entry: `script.py sqlite|pg` runs `child` in this process (as `on_both_databases`
    calls it, an empty DATABASE_URL meaning SQLite); with no argument, `main` runs both."""
    if len(sys.argv) > 1:
        sys.path.insert(0, str(here))
        if os.environ.get("DATABASE_URL") == "":
            del os.environ["DATABASE_URL"]
        child(sys.argv[1])
    else:
        main()


def on_both_databases(script: str, pg_name: str) -> list[dict]:
    """`script`'s results on SQLite, then on a fresh PostgreSQL database `pg_name` (skipped, said why, if none)."""
    results = [run_child(script, "sqlite", {"DATABASE_URL": ""} if "DATABASE_URL" in os.environ else {})]
    url = fresh_pg(pg_name)
    if url:
        results.append(
            run_child(script, "pg", {"DATABASE_URL": url, "REDIS_URL": os.environ.get("REDIS_URL", "")})
        )
    return [r for r in results if r]
