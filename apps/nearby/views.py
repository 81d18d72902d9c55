"""People Nearby's pages: thin views over the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError
from apps.core.web import attempt

from . import grid, services, shake


@login_required
def home(request):
    """The list of people nearby, or the opt-in page for someone who has not joined (or has lapsed)."""
    presence = services.presence_of(request.user)
    if presence is None:
        return redirect("nearby:location")
    gender = request.GET.get("gender", "all")
    people, problem = None, ""
    try:
        people = services.people_near(viewer=request.user, presence=presence, gender=gender)
    except DomainError as exc:
        problem = exc.message
    context = {
        "tab": "discover",
        "presence": presence,
        "people": people,
        "problem": problem,
        "gender": gender if gender in services.GENDERS else "all",
        "city": grid.CITIES.get(presence.place, ("",))[0],
    }
    return render(request, "nearby/home.html", context)


@login_required
def location(request):
    """Choose where you are (the device's position or a demo spot), for how long, and whether to be listed."""
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":

        def join():
            lat, lon, place = services.position_from(request.POST)
            return services.location_set(
                user=request.user,
                lat=lat,
                lon=lon,
                place=place,
                period=request.POST.get("period", ""),
                visible=request.POST.get("mode", "visible") != "invisible",
            )

        ok, _presence = attempt(request, join)
        if ok:
            return redirect("nearby:home")
    presence = services.presence_of(request.user)
    context = {
        "tab": "discover",
        "hide_tabbar": True,
        "presence": presence,
        "cities": [(key, label) for key, (label, _lat, _lon) in grid.CITIES.items()],
        "city": form.get("city") or (presence.place if presence and presence.place else "shanghai"),
        "x": form.get("x", "50"),
        "y": form.get("y", "50"),
        "period": form.get("period") or "1h",
        "mode": form.get("mode") or ("invisible" if presence and not presence.visible else "visible"),
        "periods": [(key, label) for key, (_delta, label) in services.PERIODS.items()],
    }
    return render(request, "nearby/location.html", context)


@login_required
@require_POST
def clear(request):
    services.location_clear(user=request.user)
    messages.success(request, _("Your location is cleared: nobody sees you in People Nearby."))
    return redirect("core:discover")


@login_required
@require_POST
def greet(request, public_id: str):
    attempt(
        request,
        lambda: services.greet(
            actor=request.user, public_id=public_id, message=request.POST.get("message", "")
        ),
        success=_("Hi sent. They will see your friend request."),
    )
    if request.POST.get("back") == "shake":
        return redirect("nearby:shake")
    gender = request.POST.get("gender", "all")
    back = reverse("nearby:home")
    return redirect(f"{back}?gender={gender}" if gender in services.GENDERS - {"all"} else back)


@login_required
def shake_page(request):
    """Shake: the phone (or a button, or a key) and the last people it found."""
    presence = services.presence_of(request.user)
    if presence is None or not presence.visible:
        messages.info(request, _("Be visible in People Nearby to shake."))
        return redirect("nearby:location")
    context = {"tab": "discover", "history": shake.shake_history(request.user), "window": shake.window()}
    return render(request, "nearby/shake.html", context)


@login_required
def shake_result(request, pk: int):
    """One shake's outcome as a card (fetched by the page when the match or "nobody found" arrives)."""
    try:
        outcome = shake.shake_result(user=request.user, pk=pk)
    except DomainError as exc:
        raise Http404 from exc
    return render(request, "nearby/_shake_result.html", {"attempt": outcome})
