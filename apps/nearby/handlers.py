"""Websocket requests for Shake (see apps.core.realtime): shake, and ask how a shake ended."""

from apps.core import realtime

from . import shake


@realtime.on("nearby.shake")
def shake_now(*, user, data):
    """Shake; the ack says how long the shake stays open. The result comes as an event (or by asking)."""
    attempt = shake.shake_start(user=user)
    return {
        "shake": attempt.pk,
        "window_ms": int(shake.window().total_seconds() * 1000),
        "state": attempt.state,
    }
