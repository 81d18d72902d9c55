"""ASGI entry point: HTTP through Django, websockets through Channels (one socket per tab)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialdemo.settings")
django.setup(set_prefix=False)  # as get_asgi_application() does, before importing consumers

from apps.core.admission import BoundedHTTP, SyncChainASGIHandler  # noqa: E402

django_asgi_app = SyncChainASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from apps.core.periodic import lifespan  # noqa: E402
from apps.workshop.slots import PhoneSlots  # noqa: E402
from socialdemo.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # PhoneSlots: /phone/<n>/ as a session of its own (workshop, DEMO_MODE only; inert otherwise).
        "http": BoundedHTTP(PhoneSlots(django_asgi_app), limit=settings.HTTP_REQUESTS_AT_ONCE),
        "lifespan": lifespan,  # periodic work (apps.core.periodic: every app's registered jobs)
        "websocket": PhoneSlots(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
