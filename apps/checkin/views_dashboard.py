"""The organiser's dashboard of a venue and its CSV export: thin views over apps.checkin.dashboard. Only the
venue's organiser sees either (anyone else: 404, as for the venue's other organiser pages)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render

from apps.core.errors import NotFound

from . import dashboard, services
from .models import Venue


def _own(request, pk: int) -> Venue:
    try:
        return services.access_venue(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


@login_required
def venue_dashboard(request, pk: int):
    place = _own(request, pk)
    series = dashboard.days(place)
    context = {
        "tab": "discover",
        "venue": place,
        "totals": dashboard.totals(place),
        "chart": dashboard.chart(series),
        "days": dashboard.DAYS,
        "reward": services.reward_text(place.reward, place.reward_amount, place.coupon_text),
    }
    return render(request, "checkin/dashboard.html", context)


@login_required
def venue_export(request, pk: int):
    place = _own(request, pk)
    response = StreamingHttpResponse(dashboard.csv_rows(place), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{dashboard.csv_filename(place)}"'
    response["Cache-Control"] = "private, no-store"
    return response
