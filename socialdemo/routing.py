"""Websocket routes: one consumer per browser tab carries every feature's events."""

from django.urls import path

from apps.core.consumers import RealtimeConsumer

websocket_urlpatterns = [path("ws/", RealtimeConsumer.as_asgi())]
