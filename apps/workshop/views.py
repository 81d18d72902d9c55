"""Workshop mode's pages: thin views, every one behind apps.workshop.access."""

from django.shortcuts import render

from . import access


@access.host_only
def console(request):
    """The presenter's big-screen console."""
    return render(request, "workshop/console.html", {})
