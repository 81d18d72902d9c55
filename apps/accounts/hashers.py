"""Login password hashing: Argon2id at the cost OWASP recommends, sized for a 2-core server."""

import threading

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

# Hashing releases the GIL, so thirty logins at once would be thirty threads on two cores, and the event
# loop delivering a room's chat one thread among them. Taking turns keeps hashing to this many cores per
# process: a burst of logins waits a little longer (each still ~25 ms of work); the room does not stall.
_turns = threading.BoundedSemaphore(getattr(settings, "PASSWORD_HASHING_AT_ONCE", 1))


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id with m=19 MiB, t=2, p=1 (OWASP Password Storage Cheat Sheet, first option).

    Django's own defaults (100 MiB, 8 lanes) cost a 2-core server several times more per login. The
    algorithm name stays "argon2", so hashes made with other parameters still verify and Django re-hashes
    them at these parameters at the next login (`must_update`).
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

    def encode(self, password, salt):
        with _turns:
            return super().encode(password, salt)

    def verify(self, password, encoded):
        with _turns:
            return super().verify(password, encoded)
