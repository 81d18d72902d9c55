"""How a red packet is divided: equal shares, or the double-mean rule for lucky packets.

Pure functions (no database) so the rules can be property-tested on their own.
"""

import random


def equal_shares(total: int, count: int) -> list[int]:
    """Normal packet: every share equal (the total is always a multiple of the count)."""
    if count <= 0 or total % count:
        raise ValueError("A normal packet's total divides evenly into its shares")
    return [total // count] * count


def lucky_share(remaining: int, count: int, rng: random.Random) -> int:
    """One lucky grab: uniform in [0.01, 2 × remaining mean], leaving at least 0.01 for each later grab.

    The last grab takes whatever remains.
    """
    if count <= 0 or remaining < count:
        raise ValueError("Not enough left for the remaining shares")
    if count == 1:
        return remaining
    high = min(2 * remaining // count, remaining - (count - 1))
    return rng.randint(1, max(1, high))


def rng_for(seed: int, index: int) -> random.Random:
    """The generator for grab number `index` of a packet (seedable, so a packet's split is reproducible)."""
    return random.Random(seed * 1000 + index)


def share_for(*, kind: str, total: int, count: int, remaining: int, remaining_count: int, seed: int) -> int:
    """The amount for the next grab of a packet in its current state."""
    if kind == "lucky":
        return lucky_share(remaining, remaining_count, rng_for(seed, count - remaining_count))
    return total // count if remaining_count > 1 else remaining


def lucky_split(total: int, count: int, seed: int) -> list[int]:
    """Every share of a lucky packet in grab order (what the grabs will produce)."""
    shares, remaining = [], total
    for index in range(count):
        amount = lucky_share(remaining, count - index, rng_for(seed, index))
        shares.append(amount)
        remaining -= amount
    return shares


def remaining_shares(*, kind: str, total: int, count: int, remaining: int, remaining_count: int, seed: int):
    """The shares still to hand out of a packet in this state, in order: what its next grabs would take."""
    shares = []
    while remaining_count:
        amount = share_for(
            kind=kind,
            total=total,
            count=count,
            remaining=remaining,
            remaining_count=remaining_count,
            seed=seed,
        )
        shares.append(amount)
        remaining, remaining_count = remaining - amount, remaining_count - 1
    return shares
