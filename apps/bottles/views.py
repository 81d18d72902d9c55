"""The beach, the throw page and "My bottles": thin views over the services."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.web import attempt

from . import selectors, services
from .models import MAX_TEXT


@login_required
def beach(request):
    """The beach: throw, cast the net, the bottle in your hands (or the starfish you found)."""
    context = {
        "tab": "discover",
        "quota": selectors.quota_of(request.user),
        "held": services.in_hand(request.user),
        "starfish": request.GET.get("net") == "starfish",
        "thrown": request.GET.get("thrown") == "1",
        "max_text": MAX_TEXT,
    }
    return render(request, "bottles/beach.html", context)


@login_required
def throw(request):
    """Write a bottle and throw it (GET: the form; POST: throw)."""
    if request.method == "POST":
        ok, _bottle = attempt(
            request,
            lambda: services.bottle_throw(
                actor=request.user,
                text=request.POST.get("text", ""),
                with_city=request.POST.get("with_city") == "1",
            ),
            success=_("Your bottle is drifting out to sea."),
        )
        if ok:
            return redirect(f"{_beach_url()}?thrown=1")
    return render(
        request,
        "bottles/throw.html",
        {
            "tab": "discover",
            "hide_tabbar": True,
            "text": request.POST.get("text", ""),
            "quota": selectors.quota_of(request.user),
            "max_text": MAX_TEXT,
        },
    )


def _beach_url() -> str:
    return reverse("bottles:beach")


@login_required
@require_POST
def pick(request):
    ok, catch = attempt(request, lambda: services.bottle_pick(actor=request.user))
    if ok and catch.starfish:
        return redirect(f"{_beach_url()}?net=starfish")
    return redirect("bottles:beach")


@login_required
@require_POST
def throw_back(request, pk: int):
    attempt(
        request,
        lambda: services.bottle_throw_back(actor=request.user, bottle_id=pk),
        success=_("Back into the sea it goes, for someone else to find."),
    )
    return redirect("bottles:beach")


@login_required
@require_POST
def reply(request, pk: int):
    ok, conversation = attempt(
        request,
        lambda: services.bottle_reply(actor=request.user, bottle_id=pk, text=request.POST.get("text", "")),
    )
    if ok:
        return redirect("chat:thread", conversation.pk)
    return redirect("bottles:beach")


@login_required
@require_POST
def report(request, pk: int):
    attempt(
        request,
        lambda: services.bottle_report(
            actor=request.user, bottle_id=pk, reason=request.POST.get("reason", "")
        ),
        success=_("Thank you. The bottle is hidden from everyone while a moderator looks at it."),
    )
    return redirect("bottles:beach")


@login_required
def mine(request):
    """My bottles: the ones I threw (with their state and replies), and the ones I answered."""
    context = {
        "tab": "discover",
        "hide_tabbar": True,
        "thrown": selectors.thrown_by(request.user),
        "answered": selectors.replied_by(request.user),
        "states": selectors.STATES,
    }
    return render(request, "bottles/mine.html", context)
