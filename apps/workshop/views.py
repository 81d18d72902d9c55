"""Workshop mode's pages: thin views, every one behind apps.workshop.access."""

from datetime import UTC, datetime

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import clock, explainers
from apps.core.errors import NotFound
from apps.core.web import attempt

from . import access, bots, console, join_views, phones, scenes, slots, timemachine


@access.host_only
def console_page(request):
    """The presenter's big-screen console (live counters, stream, boards; the time machine)."""
    offset = clock.offset()
    context = {
        **console.snapshot_in(get_language()),
        "offset": timemachine.describe(offset),
        "moved": bool(offset),
        "explainers": explainers.every(),
        "jumps": [
            ("hour", _("+1 hour")),
            ("day", _("+1 day")),
            ("week", _("+1 week")),
        ],
        **join_views.console_panel(request),
        **_scenes_panel(),
    }
    return render(request, "workshop/console.html", context)


@access.host_only  # first: with DEMO_MODE off even a GET is a 404, not a 405
@require_POST
def clock_jump(request):
    """Move the app's clock (time machine), then back to the console."""
    attempt(
        request,
        lambda: timemachine.clock_jump(actor=request.user, to=request.POST.get("to", "")),
        success=_("The clock moved. Overdue work (refunds, expiries) has run."),
    )
    return redirect("workshop:console")


@access.host_only
def explainer(request, key):
    """One feature's "About this feature" card, full screen for the room."""
    found = explainers.get(key)
    if found is None:
        raise Http404()
    return render(request, "workshop/explainer.html", {"explainer": found, "explainers": explainers.every()})


@access.host_only
def phones_page(request):
    """Three or four sample people's phones at once, each a session of its own (apps.workshop.slots)."""
    count = 3 if request.GET.get("n") == "3" else 4
    chosen = {n: request.GET.get(f"p{n}", "") for n in slots.SLOTS}
    context = {
        "phones": phones.phones(count, chosen),
        "people": phones.people(),
        "count": count,
        "counts": phones.COUNTS,
    }
    return render(request, "workshop/phones.html", context)


@access.demo_only
def phone_enter(request):
    """Inside a phone slot: log it in as the chosen sample person, then to their chats (under the slot's prefix)."""
    try:
        phones.enter(request, request.GET.get("person", ""))
    except NotFound:
        raise Http404() from None
    return redirect(settings.LOGIN_REDIRECT_URL)


def _scenes_panel() -> dict:
    run = bots.status()
    return {
        "bots_run": run and {**run, "until": datetime.fromtimestamp(run["until"], tz=UTC)},
        "bots_defaults": {
            "count": bots.DEFAULT_COUNT,
            "minutes": bots.DEFAULT_MINUTES,
            "max": bots.MAX_COUNT,
        },
    }


@access.host_only
@require_POST
def scene(request, name: str):
    """Run a scene (red-packet storm, hot topic, bottle sea), then back to the console, saying what happened."""
    ok, said = attempt(
        request, lambda: scenes.run(actor=request.user, name=name, pin=request.POST.get("pin", ""))
    )
    if ok:
        messages.success(request, said)
    return redirect("workshop:console")


@access.host_only
@require_POST
def bots_run(request):
    """Start or stop the rehearsal bots (a subprocess: apps.workshop.bots explains why)."""
    if request.POST.get("action") == "stop":
        ok, stopped = attempt(request, lambda: bots.stop(actor=request.user))
        if ok:
            messages.success(request, _("The bots have left.") if stopped else _("No bots were running."))
        return redirect("workshop:console")
    base = f"{request.scheme}://{request.get_host()}"
    count, minutes = request.POST.get("count", ""), request.POST.get("minutes", "")
    ok, run = attempt(
        request, lambda: bots.start(actor=request.user, count=count, minutes=minutes, base_url=base)
    )
    if ok:
        messages.success(
            request,
            _("%(n)s bots are joining; they leave by themselves after %(minutes)s min.")
            % {"n": run["count"], "minutes": f"{run['minutes']:g}"},
        )
    return redirect("workshop:console")
