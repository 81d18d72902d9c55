"""Login passwords: Argon2id at OWASP's parameters, older hashes upgraded at login, sample users seeded fast."""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import argon2
import pytest
from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.urls import reverse

from apps.accounts.hashers import HASHING_NICENESS
from apps.accounts.models import User
from apps.accounts.seed import CAST, DEMO_PASSWORD, seed
from socialdemo import settings as project_settings

pytestmark = pytest.mark.django_db

ARGON2ID_OWASP = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture
def real_hashers(settings):
    """The project's own hashers (the suite otherwise swaps in MD5 for speed)."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def log_in(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_new_passwords_are_hashed_with_argon2id_at_owasp_parameters(real_hashers, liwei):
    liwei.set_password("lotus-pond-42")
    liwei.save()
    liwei.refresh_from_db()
    assert liwei.password.startswith(ARGON2ID_OWASP)
    assert liwei.check_password("lotus-pond-42") and not liwei.check_password("lotus-pond-43")


@pytest.mark.parametrize(
    "old_hasher", ["pbkdf2_sha256", "pbkdf2_sha1", "django.contrib.auth.hashers.Argon2PasswordHasher"]
)
def test_an_older_hash_still_logs_in_and_is_upgraded_to_argon2id(client, real_hashers, liwei, old_hasher):
    if "." in old_hasher:  # Django's own Argon2 defaults (100 MiB, 8 lanes): same name, other parameters
        from django.contrib.auth.hashers import Argon2PasswordHasher

        encoded = Argon2PasswordHasher().encode("lotus-pond-42", Argon2PasswordHasher().salt())
    else:
        encoded = make_password("lotus-pond-42", hasher=old_hasher)
    User.objects.filter(pk=liwei.pk).update(password=encoded)

    assert log_in(client, "liwei", "lotus-pond-42").status_code == 302
    liwei.refresh_from_db()
    assert liwei.password.startswith(ARGON2ID_OWASP)
    assert liwei.check_password("lotus-pond-42")


def test_seeding_hashes_the_sample_password_once(monkeypatch, db):
    hasher = type(get_hasher("default"))
    calls = []
    encode = hasher.encode

    def counting(self, password, salt, *args, **kwargs):
        calls.append(password)
        return encode(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher, "encode", counting)
    people = seed(with_avatars=False)
    assert calls == [DEMO_PASSWORD]
    moderator = User.objects.get(username="moderator")
    assert len(people) == len(CAST) and moderator.is_superuser and moderator.is_staff
    assert all(u.check_password(DEMO_PASSWORD) for u in [*people.values(), moderator])


def test_logins_at_once_hash_in_turn_so_the_event_loop_keeps_a_core(real_hashers, monkeypatch):
    """Thirty logins at once must not be thirty hashing threads beside the room's event loop."""
    encoded = make_password("demo-pass-2026")
    running, most = 0, 0
    lock = threading.Lock()
    real_verify = argon2.PasswordHasher.verify

    def watched(self, hash, password):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)  # long enough for the other threads to pile in if nothing holds them back
        try:
            return real_verify(self, hash, password)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(argon2.PasswordHasher, "verify", watched)
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: check_password("demo-pass-2026", encoded), range(10)))
    assert all(results)
    assert most == 1


def test_hashing_runs_at_a_lower_os_priority_than_the_event_loop(real_hashers, monkeypatch):
    """A hash waits for a core the event loop or the database wants (Linux schedules each thread)."""
    seen = []
    real_verify = argon2.PasswordHasher.verify

    def watched(self, hash, password):
        seen.append((os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), threading.get_native_id()))
        return real_verify(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", watched)
    assert check_password("demo-pass-2026", make_password("demo-pass-2026"))
    (niceness, thread_id), here = seen[0], os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert thread_id != threading.get_native_id()
    assert niceness == min(here + HASHING_NICENESS, 19)
