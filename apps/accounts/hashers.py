"""Login password hashing: Argon2id at the cost OWASP recommends, sized for a 2-core server."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

# Hashing releases the GIL, so thirty logins at once would be thirty threads on two cores, and the event
# loop delivering a room's chat one thread among them. Hashes therefore run in turn on this many threads
# per process (a burst of logins waits a little longer, each still ~25 ms of work), and those threads run
# at a lower OS priority: when the event loop or the database want a core, the hash waits, not the room.
HASHING_AT_ONCE = getattr(settings, "PASSWORD_HASHING_AT_ONCE", 1)
HASHING_NICENESS = 10


def _lower_priority() -> None:
    try:  # Linux schedules threads one by one: this thread only (a no-op where that is not so)
        thread = threading.get_native_id()
        os.setpriority(
            os.PRIO_PROCESS, thread, min(os.getpriority(os.PRIO_PROCESS, thread) + HASHING_NICENESS, 19)
        )
    except (AttributeError, OSError):
        pass


_hashing = ThreadPoolExecutor(
    HASHING_AT_ONCE, thread_name_prefix="password-hash", initializer=_lower_priority
)


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
        return _hashing.submit(super().encode, password, salt).result()

    def verify(self, password, encoded):
        return _hashing.submit(super().verify, password, encoded).result()
