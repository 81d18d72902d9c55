"""Workshop mode's pages: thin views, every one behind apps.workshop.access."""

from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import clock
from apps.core.web import attempt

from . import access, console, join_views, timemachine


@access.host_only
def console_page(request):
    """The presenter's big-screen console (live counters, stream, boards; the time machine)."""
    offset = clock.offset()
    snapshot = console.snapshot()
    lang = get_language()
    context = {
        "sources": snapshot["sources"],
        "lines": [{**line, "text": console.in_language(line["text"], lang)} for line in snapshot["lines"]][
            ::-1
        ],
        "boards": [
            {
                **board,
                "rows": [{**row, "text": console.in_language(row["text"], lang)} for row in board["rows"]],
            }
            for board in snapshot["boards"]
        ],
        "clock": snapshot["clock"],
        "offset": timemachine.describe(offset),
        "moved": bool(offset),
        "jumps": [
            ("hour", _("+1 hour")),
            ("day", _("+1 day")),
            ("week", _("+1 week")),
        ],
        **join_views.console_panel(request),
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
