"""Phones side by side: the sample people a demo host may show in a phone slot, and the slot's login.

A slot (`/phone/<n>/`, apps.workshop.slots) is a session of its own; its login takes no password, so it
is allowed only here: in DEMO_MODE, for a request the slot middleware let in (the browser's main session is a
demo host's), and only as one of the sample people (the cast `seed_demo` makes, as the login page's one-tap
list), never staff.
"""

from django.contrib.auth import login
from django.urls import get_script_prefix, reverse

from apps.accounts.seed import sample_logins
from apps.core.errors import NotFound

from . import access, slots

# The phones the page opens with: two friends (Emma and Li Wei), Sophie (Emma's friend) and Tom (James's).
DEFAULT_PEOPLE = ["emma", "liwei", "sophie", "tom"]
COUNTS = (3, 4)


def people() -> list:
    """Who a phone may be: the sample people, less anyone who may not log in without a password."""
    return [p for p in sample_logins() if p.is_active and not (p.is_staff or p.is_superuser)]


def phones(count: int, chosen: dict[int, str]) -> list[dict]:
    """The page's phones: slot number, the URL that logs the slot in (person= to be added), and who it opens as:
    the sample person `chosen` for the slot, else the next default nobody else's phone shows."""
    names = [p.username for p in people()]
    picked = {n: chosen[n] for n in range(1, count + 1) if chosen.get(n) in names}
    order = dict.fromkeys([*DEFAULT_PEOPLE, *names])
    spare = iter(u for u in order if u in names and u not in picked.values())
    prefix = get_script_prefix()  # "/" unless the site itself is served under a prefix
    enter = reverse("workshop:phone_enter").removeprefix(prefix)
    return [
        {
            "slot": n,
            "enter": f"{prefix}{slots.PREFIX.strip('/')}/{n}/{enter}",
            "person": picked.get(n) or next(spare, ""),
        }
        for n in range(1, count + 1)
    ]


def enter(request, username: str):
    """Log the slot `request` came through in as the sample person `username` (NotFound for anything else)."""
    scope = getattr(request, "scope", None) or {}
    if not access.enabled() or not scope.get(slots.HOST) or not scope.get(slots.SLOT):
        raise NotFound()
    person = next((p for p in people() if p.username == username), None)
    if person is None:
        raise NotFound()
    if request.user.pk != person.pk:
        login(request, person)  # a new session key (Django flushes the slot's previous person)
    return person
