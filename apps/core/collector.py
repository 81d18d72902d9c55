"""The garbage collector of a serving process, tuned so it does not pause the event loop.

CPython's cyclic collector stops the whole process while it runs, and a full (oldest-generation) collection walks
every tracked object: Django, its URL conf and templates, 200 consumers and their scopes. On `make demo`'s server
beside ten people paying by QR that was a 90-100 ms pause every 4-5 s, and a room message whose fan-out it hit
arrived 100-200 ms late: it was the room's p99 (docs/performance.md, "Issue #8, seventh session").

Two standard measures (the `gc` module's documentation; Instagram's write-up of `gc.freeze`):
- what start-up built lives as long as the process, so it is frozen: moved out of every later collection;
- the youngest generation is collected every `GC_GEN0_THRESHOLD` allocations instead of 700, so a request's
  short-lived objects are mostly freed by reference counting before a collection can promote them towards the
  oldest generation, whose collections are what pause.
"""

import gc

from django.conf import settings


def tune_for_serving() -> None:
    """Call once, when the server starts serving (the ASGI lifespan's startup, apps/core/periodic.py)."""
    if settings.GC_FREEZE_AT_START:
        gc.collect()  # garbage from start-up is freed, not frozen
        gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(settings.GC_GEN0_THRESHOLD, gen1, gen2)
