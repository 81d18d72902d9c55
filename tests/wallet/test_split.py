import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.wallet import split


@st.composite
def packets(draw):
    count = draw(st.integers(min_value=1, max_value=100))
    total = draw(st.integers(min_value=count, max_value=520_00))
    return total, count, draw(st.integers(min_value=0, max_value=2**40))


@settings(max_examples=300, deadline=None)
@given(packets())
def test_lucky_split_adds_up_exactly_and_every_share_is_at_least_a_fen(packet):
    total, count, seed = packet
    shares = split.lucky_split(total, count, seed)
    assert len(shares) == count
    assert sum(shares) == total
    assert min(shares) >= 1


@settings(max_examples=300, deadline=None)
@given(packets())
def test_each_lucky_grab_is_within_twice_the_remaining_mean(packet):
    total, count, seed = packet
    remaining = total
    for index, share in enumerate(split.lucky_split(total, count, seed)):
        left = count - index
        if left > 1:
            assert 1 <= share <= 2 * remaining / left
        else:
            assert share == remaining
        remaining -= share


@given(packets())
def test_the_split_is_reproducible_from_its_seed(packet):
    total, count, seed = packet
    assert split.lucky_split(total, count, seed) == split.lucky_split(total, count, seed)


def test_shares_are_grab_by_grab_the_same_as_the_whole_split():
    total, count, seed = 100_00, 10, 42
    remaining, shares = total, []
    for left in range(count, 0, -1):
        share = split.share_for(
            kind="lucky", total=total, count=count, remaining=remaining, remaining_count=left, seed=seed
        )
        shares.append(share)
        remaining -= share
    assert shares == split.lucky_split(total, count, seed)


def test_lucky_shares_average_out_to_the_mean():
    totals = [0] * 5
    for seed in range(2000):
        for i, share in enumerate(split.lucky_split(10_00, 5, seed)):
            totals[i] += share
    for position_total in totals:  # every position gets the mean on average (the double-mean rule is fair)
        assert 180 < position_total / 2000 < 220


def test_equal_shares():
    assert split.equal_shares(10_00, 4) == [250] * 4
    with pytest.raises(ValueError):
        split.equal_shares(10_01, 4)


def test_lucky_share_leaves_a_fen_for_everyone_after():
    rng = random.Random(1)
    for _ in range(1000):
        assert split.lucky_share(3, 2, rng) in (1, 2)
    assert split.lucky_share(2, 2, rng) == 1
    with pytest.raises(ValueError):
        split.lucky_share(1, 2, rng)
