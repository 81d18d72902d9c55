"""Fixed-window counters in the shared cache (Redis when REDIS_URL is set), read on the one clock.

Count first: `hit` reserves an attempt atomically (cache add/incr) before the work it guards, so parallel
attempts can't all pass a look at the counter; `release` gives back one that turned out not to count.
"""

import contextlib
import ipaddress
import math
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache

from apps.core import clock


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window resets
    bucket: str = ""  # the counter this attempt went into (for `release` and `reset`)


def _bucket(key: str, window: int) -> tuple[str, int]:
    now = int(clock.now().timestamp())
    start = now - now % window
    return f"rl:{key}:{window}:{start}", start + window - now


def hit(key: str, *, limit: int, window: int) -> Verdict:
    """Count one attempt against `key`; allowed while at most `limit` in the window."""
    bucket, retry_after = _bucket(key, window)
    if cache.add(bucket, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(bucket)
        except ValueError:  # expired between add and incr
            cache.add(bucket, 1, timeout=window + 1)
            count = 1
    return Verdict(count <= limit, count, retry_after, bucket)


def cooldown(key: str, *, seconds: int) -> Verdict:
    """Allow one attempt per `seconds` since the last allowed one. Unlike `hit`'s fixed windows, a second
    attempt right after the first is refused wherever it falls (a double click across a window's end ran twice)."""
    now = clock.now().timestamp()
    bucket = f"cd:{key}"
    if cache.add(bucket, now + seconds, timeout=seconds):
        return Verdict(True, 1, seconds, bucket)
    until = cache.get(bucket) or now  # (gone between the two reads: free again in a moment)
    return Verdict(False, 2, max(1, math.ceil(until - now)), bucket)


def release(verdict: Verdict) -> None:
    """Take back the attempt `verdict` counted (it was refused, or it succeeded and counts no failure)."""
    with contextlib.suppress(ValueError):  # the window has ended: nothing left to take back
        cache.decr(verdict.bucket)


def reset(verdict: Verdict) -> None:
    """Forget every attempt counted in `verdict`'s window."""
    cache.delete(verdict.bucket)


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(request) -> str:
    """The caller's address. `X-Forwarded-For` counts only when the peer is a proxy named in
    settings.TRUSTED_PROXIES; then the client is its right-most address that is not one of them
    (anything left of that was written by the client and may be forged)."""
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    trusted = _networks(tuple(settings.TRUSTED_PROXIES))
    peer = _address(remote)
    if not trusted or peer is None or not any(peer in net for net in trusted):
        return remote
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    address = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # a proxy of ours wrote no address here: don't guess further left
            return remote
        if not any(address in net for net in trusted):
            break
    return str(address)
