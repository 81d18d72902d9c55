"""Shake nearby's pages: the shake page, and one shake (a POST from its script, answered with the card to show).
Thin views over apps.checkin.beacon; checking in is then the venue page's own button."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError, RateLimited

from . import beacon, selectors, services
from .views import SCAN_KEY


@login_required
def beacon_page(request):
    context = {"tab": "discover", "where": beacon.where(request.user), "area_m": beacon.AREA_M}
    return render(request, "checkin/beacon.html", context)


@login_required
@require_POST
def beacon_shake(request):
    scan = request.session.get(SCAN_KEY)
    try:
        found = beacon.shake(actor=request.user, scan=scan)
    except DomainError as exc:
        status = 429 if isinstance(exc, RateLimited) else 400
        return render(
            request, "checkin/_beacon_result.html", {"problem": exc.message, "code": exc.code}, status=status
        )
    context = {"venue": found}
    if found is not None:
        request.session[SCAN_KEY] = beacon.scan_after(scan, found)
        context.update(
            today=selectors.checkin_today(request.user, found),
            refusal=services.checkin_refusal(actor=request.user, venue=found),
            reward=services.reward_text(found.reward, found.reward_amount, found.coupon_text),
        )
    return render(request, "checkin/_beacon_result.html", context)
