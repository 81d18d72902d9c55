"""What a tab may ask over its websocket: apps register handlers by message type.

A handler is a plain sync function `handler(*, user, data) -> dict`; it runs in a worker thread,
raises DomainError for anything a person did wrong, and its return value is the ack's data.
"""

from collections.abc import Callable
from typing import Any

Handler = Callable[..., dict[str, Any] | None]
_handlers: dict[str, Handler] = {}
_connect_hooks: list[Callable[..., None]] = []
_disconnect_hooks: list[Callable[..., None]] = []


def on(message_type: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler for `message_type`."""

    def register(func: Handler) -> Handler:
        if message_type in _handlers:
            raise ValueError(f"Two handlers for websocket message {message_type!r}")
        _handlers[message_type] = func
        return func

    return register


def handler_for(message_type: str) -> Handler | None:
    return _handlers.get(message_type)


def on_connect(func):
    """Register `func(*, user)` to run when one of a person's tabs connects (presence, say)."""
    _connect_hooks.append(func)
    return func


def on_disconnect(func):
    _disconnect_hooks.append(func)
    return func


def connect_hooks():
    return list(_connect_hooks)


def disconnect_hooks():
    return list(_disconnect_hooks)
