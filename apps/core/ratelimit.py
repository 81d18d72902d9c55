"""Fixed-window counters in the shared cache (Redis when REDIS_URL is set), read on the one clock."""

from dataclasses import dataclass

from django.core.cache import cache

from apps.core import clock


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window resets


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
    return Verdict(count <= limit, count, retry_after)


def peek(key: str, *, limit: int, window: int) -> Verdict:
    """Say whether `key` is over its limit without counting an attempt."""
    bucket, retry_after = _bucket(key, window)
    count = cache.get(bucket, 0)
    return Verdict(count < limit, count, retry_after)


def clear(key: str, *, window: int) -> None:
    cache.delete(_bucket(key, window)[0])


def client_address(request) -> str:
    """The caller's address; behind a proxy, set the server's --forwarded-allow-ips instead."""
    return request.META.get("REMOTE_ADDR") or "unknown"
