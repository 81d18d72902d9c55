"""Workshop mode's websocket requests (apps.core.realtime): every one checks the host first."""

from apps.core import realtime

from . import console


@realtime.on("workshop.watch")
def watch(*, user, data):
    """The console is open (sent every few seconds): its live page and what to draw."""
    return console.watch(user=user)
