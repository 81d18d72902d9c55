"""The payment PIN: a keyed hash that a copy of the database can't reverse, key rotation, old hashes
upgraded, and exactly five wrong guesses checked per lock however many arrive at once."""

import hashlib
import hmac
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection, connections

from apps.core import clock
from apps.wallet import services
from apps.wallet.models import PaymentProfile
from apps.wallet.services import accounts
from socialdemo import settings as project_settings
from tests.core.test_security import run_manage

from .conftest import PIN

WRONG = "000000"


def stored(user) -> str:
    return PaymentProfile.objects.get(user=user).pin_hash


@pytest.fixture
def checked(monkeypatch):
    """The PINs actually compared with the stored hash (calls into the hash check), in order."""
    calls: list[str] = []
    matches = accounts.pin_hash_matches

    def counting(pin, pin_hash):
        calls.append(pin)
        return matches(pin, pin_hash)

    monkeypatch.setattr(accounts, "pin_hash_matches", counting)  # pin_check calls it there
    return calls


# --- The keyed hash -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pin_is_stored_as_an_hmac_under_a_key_outside_the_database(settings, liwei):
    settings.PIN_KEYS = ["server-key-one"]
    services.pin_set(actor=liwei, pin=PIN, confirm=PIN)
    algorithm, _key_id, salt, digest = stored(liwei).split("$")
    assert algorithm == "hmac-sha256" and PIN not in stored(liwei)
    expected = hmac.new(b"server-key-one", f"{salt}${PIN}".encode(), hashlib.sha256).hexdigest()
    assert digest == expected
    services.pin_check(actor=liwei, pin=PIN)

    settings.PIN_KEYS = ["someone-elses-key"]  # the database alone, without the server's key
    with pytest.raises(services.PinError, match="4 tries left"):
        services.pin_check(actor=liwei, pin=PIN)


@pytest.mark.django_db
def test_each_profile_gets_its_own_salt(settings, liwei, wangfang):
    services.pin_set(actor=liwei, pin=PIN, confirm=PIN)
    services.pin_set(actor=wangfang, pin=PIN, confirm=PIN)
    assert stored(liwei) != stored(wangfang)


@pytest.mark.django_db
def test_a_rotated_key_still_verifies_and_the_pin_is_re_signed_with_the_new_one(settings, liwei):
    settings.PIN_KEYS = ["old-key"]
    services.pin_set(actor=liwei, pin=PIN, confirm=PIN)
    old_id = stored(liwei).split("$")[1]

    settings.PIN_KEYS = ["new-key", "old-key"]
    with pytest.raises(services.PinError, match="Wrong payment PIN"):
        services.pin_check(actor=liwei, pin=WRONG)
    assert stored(liwei).split("$")[1] == old_id  # a wrong PIN re-signs nothing
    services.pin_check(actor=liwei, pin=PIN)
    assert stored(liwei).split("$")[1] != old_id

    settings.PIN_KEYS = ["new-key"]  # the old key retired: the PIN still works
    services.pin_check(actor=liwei, pin=PIN)


@pytest.mark.django_db
def test_a_pin_hashed_like_a_password_verifies_once_and_is_stored_again_keyed(settings, liwei):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # PBKDF2, as PINs were hashed before
    services.profile_for(liwei)
    PaymentProfile.objects.filter(user=liwei).update(pin_hash=make_password(PIN, hasher="pbkdf2_sha256"))
    with pytest.raises(services.PinError, match="4 tries left"):
        services.pin_check(actor=liwei, pin=WRONG)
    assert stored(liwei).startswith("pbkdf2_sha256$")
    services.pin_check(actor=liwei, pin=PIN)
    assert stored(liwei).startswith("hmac-sha256$")
    services.pin_check(actor=liwei, pin=PIN)
    with pytest.raises(services.PinError, match="4 tries left"):  # the right PIN reset the count
        services.pin_check(actor=liwei, pin=WRONG)


@pytest.mark.django_db
def test_a_pin_that_is_not_six_digits_is_refused_without_using_a_try(liwei, pin_for, checked):
    pin_for(liwei)
    for bad in ["12345", "abcdef", "", None, "1234567"]:
        with pytest.raises(services.PinError, match="6 digits"):
            services.pin_check(actor=liwei, pin=bad)
    assert checked == []
    with pytest.raises(services.PinError, match="4 tries left"):
        services.pin_check(actor=liwei, pin=WRONG)


def test_refuses_to_start_without_pin_keys_in_production():
    result = run_manage("check", DEBUG="0", SECRET_KEY="a-long-random-production-secret-key-" + "x" * 40)
    assert result.returncode != 0
    assert "PIN_KEYS is not set" in result.stderr
    started = run_manage("check", DEBUG="0", SECRET_KEY="x" * 50, PIN_KEYS="a-production-pin-key")
    assert started.returncode == 0, started.stderr


# --- Guessing in parallel --------------------------------------------------------------------------------


def in_parallel(fn, n: int) -> list:
    """Call fn() from n threads at once; return what each returned or raised."""

    def call(_):
        try:
            return fn()
        except Exception as exc:  # the outcome is what the test looks at
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(call, range(n)))


def fifty_wrong_pins_check_exactly_five(user, checked) -> None:
    results = in_parallel(lambda: services.pin_check(actor=user, pin=WRONG), 50)
    assert len(checked) == 5
    wrong = [r for r in results if type(r) is services.PinError]
    locked = [r for r in results if isinstance(r, services.PinLocked)]
    assert len(wrong) == 4 and len(locked) == 46, results
    assert sum("locked for 3 hours" in str(r) for r in locked) == 1
    with pytest.raises(services.PinLocked):  # even the right PIN, now
        services.pin_check(actor=user, pin=PIN)
    assert len(checked) == 5
    clock.advance(timedelta(hours=3, minutes=1))
    services.pin_check(actor=user, pin=PIN)


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_wrong_pins_check_exactly_five_then_lock(liwei, pin_for, checked):
    pin_for(liwei)
    services.pin_check(actor=liwei, pin=PIN)  # stored keyed from here on
    checked.clear()
    fifty_wrong_pins_check_exactly_five(liwei, checked)


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_wrong_pins_on_postgresql_check_exactly_five(liwei, pin_for, checked):
    if connection.vendor != "postgresql":
        pytest.skip("runs in make test's PostgreSQL pass (row locks under READ COMMITTED)")
    pin_for(liwei)
    services.pin_check(actor=liwei, pin=PIN)
    checked.clear()
    fifty_wrong_pins_check_exactly_five(liwei, checked)


@pytest.mark.django_db(transaction=True)
def test_the_owners_parallel_right_pins_are_never_refused(liwei, pin_for, checked):
    pin_for(liwei)
    results = in_parallel(lambda: services.pin_check(actor=liwei, pin=PIN), 30)
    assert results == [None] * 30
    assert len(checked) == 30
