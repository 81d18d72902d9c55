"""Loading the sample data: each app's optional `seed` module (seed(), unseed(), summary()), in INSTALLED_APPS
order (accounts first: the others need people), run by `manage.py seed_demo` and the workshop console's reset.

A reset unseeds in reverse order, then seeds. Every step is its own transaction, so a progress callback can
report (and a realtime event can be sent) as each one lands; a failed step leaves the others done, and
running the reset again finishes the job (every seed is idempotent). An app may also define
`unseed_people(keep_attendees=...)`, run after every `unseed` (when no feature's rows refer to anyone any
more): the workshop removes its attendees' quick accounts there, unless they are kept.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.db import transaction


def seed_modules() -> list:
    """Each app's optional `seed` module, in INSTALLED_APPS order."""
    return [
        import_module(f"{config.name}.seed")
        for config in apps.get_app_configs()
        if config.name.startswith("apps.") and find_spec(f"{config.name}.seed")
    ]


@dataclass(frozen=True)
class Step:
    number: int  # from 1
    of: int
    kind: str  # "remove", "remove_people" or "load"
    app: str  # the app's label ("chat")
    seconds: float  # how long the step took

    @property
    def label(self) -> str:
        """In English, for the command's output: "Removing: chat"."""
        return f"{KINDS[self.kind]}: {self.app}"


KINDS = {"remove": "Removing", "remove_people": "Removing people", "load": "Loading"}


def _app(module) -> str:
    return module.__name__.removeprefix("apps.").removesuffix(".seed")


def run(
    *, reset: bool = False, keep_attendees: bool = False, progress: Callable[[Step], None] | None = None
) -> float:
    """Seed (after unseeding everything, with `reset`); `progress(step)` after each step commits. Seconds taken."""
    modules = seed_modules()
    work = []
    if reset:
        work += [("remove", _app(m), m.unseed) for m in reversed(modules) if hasattr(m, "unseed")]
        work += [
            ("remove_people", _app(m), partial(m.unseed_people, keep_attendees=keep_attendees))
            for m in modules
            if hasattr(m, "unseed_people")
        ]
    work += [("load", _app(m), m.seed) for m in modules]
    started = time.monotonic()
    for number, (kind, app, action) in enumerate(work, start=1):
        began = time.monotonic()
        with transaction.atomic():
            action()
        if progress is not None:
            progress(Step(number, len(work), kind, app, time.monotonic() - began))
    return time.monotonic() - started


def summaries() -> list[list[str]]:
    """What each app says of its sample data (the first line a heading)."""
    return [module.summary() for module in seed_modules() if hasattr(module, "summary")]
