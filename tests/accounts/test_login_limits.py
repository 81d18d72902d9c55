"""Login guessing: counted before the check (exactly 5 wrong passwords checked under 50 at once), per account
and address so a stranger can't lock the owner out, per address and account-wide far higher; and the
client address a proxy reports is believed only from a proxy named in settings."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import get_hasher
from django.db import connection, connections
from django.test import RequestFactory
from django.urls import reverse

from apps.accounts import services
from apps.core import clock
from apps.core.errors import DomainError, RateLimited
from apps.core.ratelimit import client_address
from tests.core.test_security import run_manage

LOGIN = reverse("accounts:login")
RIGHT = "demo-pass-2026"
OWNER_HOME, STRANGER = "198.51.100.7", "203.0.113.9"


@pytest.fixture(autouse=True)
def _at_the_start_of_a_window(settings):
    """Counters live in fixed windows: start each test just inside one so none straddles two."""
    window = settings.LOGIN_FAILURE_WINDOW
    clock.advance(timedelta(seconds=window - clock.now().timestamp() % window + 1))


def attempt(client, username, password, address=STRANGER, **headers) -> str:
    """Post the login form from `address`; say how it went: "in", "wrong" or "locked"."""
    response = client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )
    if response.status_code == 302:
        client.logout()
        return "in"
    page = response.content.decode()
    if "Too many failed attempts" in page:
        return "locked"
    assert "Wrong username or password" in page
    return "wrong"


@pytest.mark.django_db
def test_a_stranger_elsewhere_cannot_lock_the_owner_out(client, liwei):
    assert [attempt(client, "liwei", "guess") for _ in range(6)] == ["wrong"] * 5 + ["locked"]
    assert attempt(client, "liwei", RIGHT, STRANGER) == "locked"  # that address, that account: locked
    assert attempt(client, "liwei", RIGHT, OWNER_HOME) == "in"


@pytest.mark.django_db
def test_a_stranger_who_keeps_trying_after_the_lock_still_cannot_lock_the_owner_out(client, liwei):
    results = [attempt(client, "liwei", "guess") for _ in range(80)]
    assert results.count("wrong") == 5
    assert attempt(client, "liwei", RIGHT, OWNER_HOME) == "in"


@pytest.mark.django_db
def test_guessing_from_many_addresses_locks_the_account_at_the_account_wide_limit(client, settings, liwei):
    per_pair, per_account = settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT
    assert per_account >= 10 * per_pair  # far higher than what one address may try
    addresses = [f"203.0.113.{n}" for n in range(per_account // per_pair)]
    results = [attempt(client, "liwei", "guess", a) for a in addresses for _ in range(per_pair)]
    assert results == ["wrong"] * per_account
    assert attempt(client, "liwei", RIGHT, OWNER_HOME) == "locked"
    assert attempt(client, "wangfang", RIGHT, OWNER_HOME) == "in"  # other accounts are untouched


@pytest.mark.django_db
def test_retrying_a_locked_account_counts_nothing_against_the_room(client, settings, cast):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 10, 8
    for n, name in enumerate(["liwei", "wangfang"]):  # both locked account-wide by guessing from elsewhere
        for address in (f"203.0.113.{n}", f"203.0.113.{n + 10}"):
            assert [attempt(client, name, "guess", address) for _ in range(5)] == ["wrong"] * 5
        # Their owners, in the room, retry while locked: refused, and not counted as the room's failures.
        assert [attempt(client, name, RIGHT, OWNER_HOME) for _ in range(5)] == ["locked"] * 5
    assert attempt(client, "zhangmin", RIGHT, OWNER_HOME) == "in"


@pytest.mark.django_db
def test_one_address_spraying_many_accounts_is_stopped(client, settings, cast):
    limit = settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    results = [attempt(client, f"person{n}", "guess") for n in range(limit + 1)]
    assert results == ["wrong"] * limit + ["locked"]
    assert attempt(client, "wangfang", RIGHT) == "locked"
    assert attempt(client, "wangfang", RIGHT, OWNER_HOME) == "in"


@pytest.mark.django_db
def test_a_room_behind_one_address_logs_in_without_locking_itself_out(client, settings, cast):
    names = list(cast) * 4  # more logins than any limit, all from the room's one address
    assert len(names) > settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    assert [attempt(client, name, RIGHT) for name in names] == ["in"] * len(names)


@pytest.mark.django_db
def test_a_right_password_forgives_the_owners_earlier_typos(client, liwei):
    assert [attempt(client, "liwei", "typo", OWNER_HOME) for _ in range(4)] == ["wrong"] * 4
    assert attempt(client, "liwei", RIGHT, OWNER_HOME) == "in"
    assert [attempt(client, "liwei", "typo", OWNER_HOME) for _ in range(4)] == ["wrong"] * 4
    assert attempt(client, "liwei", RIGHT, OWNER_HOME) == "in"


# --- Guessing in parallel ----------------------------------------------------------------------------


@pytest.fixture
def checked(monkeypatch):
    """The passwords actually compared with a stored hash (calls into the hasher), in order."""
    hasher = type(get_hasher("default"))
    calls: list[str] = []
    verify = hasher.verify

    def counting(self, password, encoded):
        calls.append(password)
        return verify(self, password, encoded)

    monkeypatch.setattr(hasher, "verify", counting)
    return calls


def fifty_wrong_passwords_at_once(username: str) -> list:
    def one(n):
        request = RequestFactory().post(LOGIN, REMOTE_ADDR=STRANGER)
        try:
            return services.login_check(request=request, username=username, password=f"guess-{n}")
        except DomainError as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=50) as pool:
        return list(pool.map(one, range(50)))


def assert_exactly_five_checked(results, checked):
    assert len(checked) == 5
    assert sum(isinstance(r, DomainError) and r.code == "bad_login" for r in results) == 5
    assert sum(isinstance(r, RateLimited) for r in results) == 45


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_wrong_passwords_check_exactly_five(liwei, checked):
    assert_exactly_five_checked(fifty_wrong_passwords_at_once("liwei"), checked)


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_wrong_passwords_on_postgresql_and_redis_check_exactly_five(settings, liwei, checked):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("runs in make test's PostgreSQL + Redis pass (counters in Redis, shared by workers)")
    assert_exactly_five_checked(fifty_wrong_passwords_at_once("liwei"), checked)


# --- The client address behind a proxy -------------------------------------------------------------------


def address_of(remote: str, forwarded: str | None = None) -> str:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


def test_forwarded_for_is_ignored_when_no_proxy_is_trusted(settings):
    settings.TRUSTED_PROXIES = []
    assert address_of("203.0.113.9", "198.51.100.7") == "203.0.113.9"
    assert address_of("127.0.0.1", "198.51.100.7") == "127.0.0.1"


def test_forwarded_for_from_a_trusted_proxy_names_its_right_most_untrusted_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1", "172.16.0.0/12"]
    assert address_of("10.0.0.1", "198.51.100.7") == "198.51.100.7"
    # Left of the client's own address is whatever the client sent: never believed.
    assert address_of("10.0.0.1", "1.2.3.4, 198.51.100.7") == "198.51.100.7"
    assert address_of("10.0.0.1", "1.2.3.4, 198.51.100.7, 172.16.5.5") == "198.51.100.7"
    assert address_of("203.0.113.9", "198.51.100.7") == "203.0.113.9"  # not from a trusted proxy
    assert address_of("10.0.0.1") == "10.0.0.1"
    assert address_of("10.0.0.1", "1.2.3.4, not-an-address") == "10.0.0.1"


def test_a_misspelt_trusted_proxy_stops_the_server_with_a_clear_message():
    result = run_manage("check", DEBUG="1", TRUSTED_PROXIES="10.0.0.1,10.0.0.300")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr and "10.0.0.300" in result.stderr


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_limit(client, settings, liwei):
    settings.TRUSTED_PROXIES = []
    results = [
        attempt(client, "liwei", "guess", STRANGER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}") for n in range(6)
    ]
    assert results == ["wrong"] * 5 + ["locked"]


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_limit_follows_each_client(client, settings, liwei):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    via_proxy = {"address": "10.0.0.1"}
    stranger = [
        attempt(client, "liwei", "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {STRANGER}", **via_proxy)
        for n in range(6)
    ]
    assert stranger == ["wrong"] * 5 + ["locked"]
    assert attempt(client, "liwei", RIGHT, HTTP_X_FORWARDED_FOR=OWNER_HOME, **via_proxy) == "in"
