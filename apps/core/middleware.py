"""Headers Django does not set by itself."""

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.utils.decorators import sync_and_async_middleware


@sync_and_async_middleware
def security_headers(get_response):
    """Add the Content-Security-Policy (no inline scripts) and a restrictive Permissions-Policy."""

    def add_headers(response):
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        # Camera for scanning, location for Nearby, motion for Shake: this site only.
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(self), accelerometer=(self), microphone=(self)"
        )
        return response

    if iscoroutinefunction(get_response):

        async def middleware(request):
            return add_headers(await get_response(request))

    else:

        def middleware(request):
            return add_headers(get_response(request))

    return middleware
