"""Check-in's pages: thin views over apps.checkin.services and selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import clock, share, tokens
from apps.core.errors import DomainError, NotFound
from apps.core.web import attempt
from apps.nearby import grid

from . import codes, selectors, services
from .models import Venue

SCAN_KEY = "checkin_scan"  # the session's last scanned code (services.scan_record)


def _own(request, pk: int) -> Venue:
    try:
        return services.access_venue(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _code_url(request, letter: str, token: str) -> str:
    return request.build_absolute_uri(reverse("checkin:code", args=[letter, token]))


@login_required
def mine(request):
    """My check-ins, my points, and the way to my coupons and venues."""
    context = {
        "tab": "discover",
        "checkins": selectors.my_checkins(request.user),
        "points": selectors.my_points(request.user),
    }
    return render(request, "checkin/mine.html", context)


@login_required
def coupons(request):
    return render(
        request, "checkin/coupons.html", {"tab": "discover", "coupons": selectors.my_coupons(request.user)}
    )


def code(request, letter: str, token: str):
    """A scanned code's URL: check it, keep the scan in the session, go to the venue to check in (logging in on
    the way if needed). A bad code gets a clear page and starts nothing."""
    try:
        scanned = services.scan_read(letter, token)
    except tokens.InvalidToken as exc:
        return render(
            request, "checkin/invalid.html", {"problem": exc.message, "hide_tabbar": True}, status=400
        )
    request.session[SCAN_KEY] = services.scan_record(scanned)
    return redirect("checkin:venue", scanned.venue_id)


@login_required
def venue(request, pk: int):
    """A venue's page; with a fresh scan of its code, the "Check in" button."""
    place = Venue.objects.filter(pk=pk).select_related("organiser").first()
    if place is None:
        raise Http404
    today = selectors.checkin_today(request.user, place)
    scan = request.session.get(SCAN_KEY)
    context = {
        "tab": "discover",
        "venue": place,
        "mine": place.organiser_id == request.user.pk,
        "today": today,
        "count": selectors.today_count(place),
        "can_check_in": today is None and services.scan_valid(scan, place.pk),
        "refusal": services.checkin_refusal(actor=request.user, venue=place),
        "reward": services.reward_text(place.reward, place.reward_amount, place.coupon_text),
        "city": grid.CITIES.get(place.city, ("",))[0],
        "is_open": services.is_open(place),
        "share_links": share.links(_("I checked in at %(venue)s.") % {"venue": place.name}) if today else [],
    }
    return render(request, "checkin/venue.html", context)


@login_required
@require_POST
def checkin(request, pk: int):
    try:
        done = services.checkin_create(actor=request.user, venue_id=pk, scan=request.session.get(SCAN_KEY))
    except services.AlreadyCheckedIn:
        messages.info(request, _("You have checked in here today already. Come back tomorrow."))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        request.session.pop(SCAN_KEY, None)
        messages.success(request, _("Checked in! You are number %(n)s here today.") % {"n": done.number})
    return redirect("checkin:venue", pk)


# --- Organisers ---------------------------------------------------------------------------------------------


@login_required
def venues(request):
    return render(
        request, "checkin/venues.html", {"tab": "discover", "venues": selectors.my_venues(request.user)}
    )


def _form_context(request, place=None):
    if request.method == "POST":
        values = request.POST
    elif place is not None:
        values = services.venue_form_values(place)
    else:
        values = {"reward": Venue.Reward.POINTS, "points": 10, "city": "shanghai", "x": 50, "y": 50}
    return {
        "tab": "discover",
        "hide_tabbar": True,
        "venue": place,
        "values": values,
        "cities": [(key, label) for key, (label, _lat, _lon) in grid.CITIES.items()],
        "rewards": Venue.Reward.choices,
    }


@login_required
def venue_new(request):
    if request.method == "POST":
        ok, place = attempt(request, lambda: services.venue_create(actor=request.user, data=request.POST))
        if ok:
            return redirect("checkin:venue", place.pk)
    return render(request, "checkin/venue_form.html", _form_context(request))


@login_required
def venue_edit(request, pk: int):
    place = _own(request, pk)
    if request.method == "POST":
        ok, _place = attempt(
            request,
            lambda: services.venue_update(actor=request.user, pk=pk, data=request.POST),
            success=_("Saved."),
        )
        if ok:
            return redirect("checkin:venue", pk)
    return render(request, "checkin/venue_form.html", _form_context(request, place))


@login_required
def poster(request, pk: int):
    """The printable A4 poster with the venue's static code."""
    place = _own(request, pk)
    url = _code_url(request, "p", codes.poster_token(place))
    context = {"venue": place, "hide_tabbar": True, "code_url": url, "version": place.poster_version}
    context["reward"] = services.reward_text(place.reward, place.reward_amount, place.coupon_text)
    return render(request, "checkin/poster.html", context)


@login_required
def poster_image(request, pk: int, fmt: str):
    place = _own(request, pk)
    if fmt not in ("svg", "png"):
        raise Http404
    body, kind = codes.image(_code_url(request, "p", codes.poster_token(place)), fmt, timeout=24 * 3600)
    response = HttpResponse(body, content_type=kind)
    response["Cache-Control"] = "private, max-age=300"
    if fmt == "png":
        response["Content-Disposition"] = f'attachment; filename="checkin-{place.pk}.png"'
    return response


@login_required
@require_POST
def poster_replace(request, pk: int):
    _own(request, pk)
    attempt(
        request,
        lambda: services.poster_replace(actor=request.user, pk=pk),
        success=_("New poster code made: posters printed before no longer work."),
    )
    return redirect("checkin:poster", pk)


@login_required
def kiosk(request, pk: int):
    """The screen at the venue: a code that changes every 30 seconds, the day's count and the latest faces."""
    place = _own(request, pk)
    context = {
        "venue": place,
        "hide_tabbar": True,
        "count": selectors.today_count(place),
        "people": selectors.latest_people(place, limit=services.LATEST_AVATARS),
        "code": _kiosk_code(request, place.pk),
        "slot_seconds": codes.SLOT_SECONDS,
        "today": clock.today().isoformat(),
    }
    return render(request, "checkin/kiosk.html", context)


def _kiosk_code(request, venue_id: int) -> dict:
    slot = codes.current_slot()
    return {
        "url": _code_url(request, "k", codes.kiosk_token(venue_id, slot)),
        "image": reverse("checkin:kiosk_image", args=[venue_id, slot]),
        "next_in": round(codes.seconds_left_in_slot() * 1000),
        "day": clock.today().isoformat(),
        "count": selectors.today_count_of(venue_id),
    }


@login_required
def kiosk_code(request, pk: int):
    """The kiosk's current code (its script asks at each slot's end)."""
    place = _own(request, pk)
    response = JsonResponse(_kiosk_code(request, place.pk))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def kiosk_image(request, pk: int, slot: int):
    """The picture of slot `slot`'s kiosk code; only the current slot's (or the one just before) is drawn."""
    place = _own(request, pk)
    if not 0 <= codes.current_slot() - slot <= 1:
        raise Http404
    url = _code_url(request, "k", codes.kiosk_token(place.pk, slot))
    body, kind = codes.image(url, "svg", timeout=codes.SLOT_SECONDS + codes.GRACE_SECONDS, quick=True)
    response = HttpResponse(body, content_type=kind)
    response["Cache-Control"] = "private, max-age=60"
    return response


@login_required
@require_POST
def redeem(request, pk: int):
    _own(request, pk)
    ok, coupon = attempt(
        request,
        lambda: services.coupon_redeem(actor=request.user, venue_pk=pk, code=request.POST.get("code")),
    )
    if ok:
        messages.success(
            request,
            _("Coupon redeemed: %(text)s for %(name)s.") % {"text": coupon.text, "name": coupon.holder},
        )
    return redirect("checkin:venue", pk)
