"""The app's ASGI application plus a minimal Channels broadcast consumer, on the same server and layer.

/ws/          the app's one consumer (apps.core.consumers.RealtimeConsumer)
/bench/ws/    the baseline: join one group; every frame received is group_send to it, nothing else
"""

import json

from channels.auth import AuthMiddlewareStack
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from socialdemo.asgi import application as app  # sets Django up first
from socialdemo.routing import websocket_urlpatterns

GROUP = "bench.broadcast"


class MinimalBroadcast(AsyncWebsocketConsumer):
    async def connect(self):
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.channel_layer.group_send(GROUP, {"type": "broadcast", "text": text_data})

    async def broadcast(self, message):
        await self.send(text_data=message["text"])


application = ProtocolTypeRouter(
    {
        "http": app.application_mapping["http"],
        # The app's start-up (periodic work, the tuned garbage collector): both consumers share this process.
        "lifespan": app.application_mapping["lifespan"],
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                URLRouter([path("bench/ws/", MinimalBroadcast.as_asgi()), *websocket_urlpatterns])
            )
        ),
    }
)

__all__ = ["application", "json"]
