import mimetypes
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import render
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
    """Serve an uploaded file once its reader is allowed; behind nginx, hand the sending to it."""
    relative = media_access.resolve(path)
    if relative is None:
        raise Http404
    allowed, private = media_access.may_read(request.user, relative)
    if not allowed:
        raise Http404  # the same answer for missing and not-yours
    if settings.MEDIA_ACCEL_REDIRECT:
        # nginx keeps this response's Content-Type (and Cache-Control) for the file it sends.
        response = HttpResponse(content_type=mimetypes.guess_type(relative)[0] or "application/octet-stream")
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT.rstrip("/") + "/" + quote(relative)
    else:
        response = FileResponse((Path(settings.MEDIA_ROOT) / relative).open("rb"))
    # Private files stay out of shared caches, and a browser re-asks within the hour (a recall takes effect).
    response["Cache-Control"] = "private, max-age=3600" if private else "public, max-age=31536000, immutable"
    return response
