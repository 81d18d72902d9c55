"""Reset from the console: the sample state back (apps.core.seeding, as `seed_demo --reset`), with each step
sent to the open consoles as it lands, and the attendees' quick accounts kept or removed."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import activity, events, seeding
from apps.core.errors import DomainError

from . import access, console

RUNNING_KEY = "workshop.reset.running"
RUNNING_SECONDS = 120  # the lock outlives a reset that died halfway by at most this
STEPS = {
    "remove": gettext_lazy("Removing: %(app)s"),
    "remove_people": gettext_lazy("Removing attendees: %(app)s"),
    "load": gettext_lazy("Loading: %(app)s"),
}


def reset(*, actor, keep_attendees: bool):
    """Restore the sample data. Returns (seconds taken, the actor's account as it is now: the cast is made
    anew, so a presenter from the cast is a new row, to be logged in again)."""
    access.check_host(actor)
    username = actor.username
    if not cache.add(RUNNING_KEY, True, RUNNING_SECONDS):
        raise DomainError(_("A reset is already running."), code="busy")
    try:
        seconds = seeding.run(reset=True, keep_attendees=keep_attendees, progress=_tell_consoles)
    finally:
        cache.delete(RUNNING_KEY)
    events.publish_to_page(
        page=console.page_name(), type="workshop.reset", data={"done": True, "seconds": round(seconds, 1)}
    )
    return seconds, get_user_model().objects.filter(username=username, is_active=True).first()


def _tell_consoles(step: seeding.Step) -> None:
    # After each step's commit: the consoles (and the reset page) draw the progress as it happens.
    events.publish_to_page(
        page=console.page_name(),
        type="workshop.reset",
        data={
            "number": step.number,
            "of": step.of,
            "text": activity.text(STEPS[step.kind], app=apps.get_app_config(step.app).verbose_name),
            "done": False,
        },
    )
