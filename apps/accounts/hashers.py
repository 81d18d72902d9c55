"""Login password hashing: Argon2id at the cost OWASP recommends, sized for a 2-core server."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id with m=19 MiB, t=2, p=1 (OWASP Password Storage Cheat Sheet, first option).

    Django's own defaults (100 MiB, 8 lanes) cost a 2-core server several times more per login. The
    algorithm name stays "argon2", so hashes made with other parameters still verify and Django re-hashes
    them at these parameters at the next login (`must_update`).
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
