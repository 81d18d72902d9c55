from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.utils._os import safe_join
from django.views.decorators.http import require_GET

from apps.core import discover as discover_registry
from apps.core import media as media_access


@login_required
def discover(request):
    return render(request, "core/discover.html", {"tab": "discover", "entries": discover_registry.entries()})


@login_required
def scan(request):
    """Scan any of the app's QR codes with the camera, a photo of one, or by pasting its link."""
    return render(request, "core/scan.html", {"tab": "discover"})


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


@require_GET
def media(request, path: str):
    """Serve uploaded files (re-encoded images only). A real deployment serves MEDIA_ROOT from its proxy."""
    try:
        full = Path(safe_join(settings.MEDIA_ROOT, path))
    except ValueError as exc:
        raise Http404 from exc
    allowed, private = media_access.may_read(request.user, path)
    if not allowed or not full.is_file():
        raise Http404  # the same answer for missing and not-yours
    response = FileResponse(full.open("rb"))
    response["Cache-Control"] = f"{'private' if private else 'public'}, max-age=31536000, immutable"
    return response
