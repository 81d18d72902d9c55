"""Security headers, deploy checks, and the SECRET_KEY rule."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_pages_send_security_headers(client):
    response = client.get("/accounts/login/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_samesite(client, liwei):
    response = client.post("/accounts/login/", {"username": "liwei", "password": "demo-pass-2026"})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_templates_have_no_inline_scripts_or_styles():
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for needle in ("<script>", "style=", " onclick=", " onload=", " onsubmit="):
            if needle in text:
                offenders.append(f"{template.relative_to(ROOT)}: {needle}")
    assert offenders == []


def run_manage(*args, **env):
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "PIN_KEYS", "PYTEST_VERSION"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_to_start_without_a_secret_key_in_production():
    result = run_manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_the_demo_server_runs_with_debug_off_and_its_own_generated_keys():
    """`make demo` serves a room: no tracebacks for the room to read, no SQL logged per statement."""
    serve = next(line for line in (ROOT / "Makefile").read_text().splitlines() if "socialdemo.serve" in line)
    assert "DEMO_MODE=1" in serve and "DEBUG=1" not in serve
    shown = "from django.conf import settings as s; print(s.DEBUG, s.DEMO_MODE, len(s.SECRET_KEY) > 40)"
    result = run_manage("shell", "--verbosity", "0", "-c", shown, DEMO_MODE="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True"]


def test_allowed_hosts_star_is_refused():
    result = run_manage("check", DEBUG="1", ALLOWED_HOSTS="*")
    assert result.returncode != 0
    assert "websocket Origin check" in result.stderr


def test_deploy_check_is_clean_with_the_documented_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY="a-long-random-production-secret-key-" + "x" * 40,
        PIN_KEYS="a-long-random-production-pin-key",
        ALLOWED_HOSTS="social.example.com",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_build_commands_run_without_a_secret_key():
    result = run_manage("makemigrations", "--check", "--dry-run", DEBUG="0")
    assert result.returncode == 0, result.stderr
