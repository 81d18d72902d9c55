"""The in-memory channel layer, with its expiry sweep run at most once a second.

Channels' InMemoryChannelLayer sweeps every channel and every group membership for expired entries on
each send to a group and on each receive: O(open sockets) per operation, so a message to a 200-member
group (200 per-person groups, 200 receives) costs 200 × 400 sweep steps before anything is delivered.
Sweeping once a second keeps the same expiry (messages after `expiry`, memberships after `group_expiry`;
the consumer's heartbeat re-joins) at a fixed cost. See docs/performance.md (chat fan-out).
"""

import time

from channels.layers import InMemoryChannelLayer as StockInMemoryChannelLayer


class InMemoryChannelLayer(StockInMemoryChannelLayer):
    def __init__(self, *args, sweep_interval: float = 1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.sweep_interval = sweep_interval
        self._last_sweep = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._last_sweep < self.sweep_interval:
            return
        self._last_sweep = now
        super()._clean_expired()
