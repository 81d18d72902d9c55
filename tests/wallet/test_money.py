import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.wallet.money import BadAmount, parse_amount, plain, yuan


@pytest.mark.parametrize(
    ("text", "fen"),
    [("12", 1200), ("12.3", 1230), ("12.34", 1234), ("0.01", 1), ("¥8.80", 880), (" 1,000 ", 100000), (5, 5)],
)
def test_parse_amount_reads_yuan_into_fen(text, fen):
    assert parse_amount(text) == fen


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("-5", "more than zero"),
        ("1.234", "two decimal"),
        ("abc", "like 12.34"),
        ("1e5", "like 12.34"),
        ("NaN", "like 12.34"),
        ("", "Enter an amount"),
        ("12.", "like 12.34"),
        (0, "more than zero"),
        (-1, "more than zero"),
    ],
)
def test_parse_amount_rejects_bad_input_with_a_reason(text, reason):
    with pytest.raises(BadAmount) as info:
        parse_amount(text)
    assert reason in str(info.value.message)


def test_parse_amount_enforces_a_maximum():
    assert parse_amount("200", maximum=200_00) == 200_00
    with pytest.raises(BadAmount, match=r"at most ¥200\.00"):
        parse_amount("200.01", maximum=200_00)


def test_yuan_formats_fen():
    assert yuan(1234) == "¥12.34"
    assert yuan(5) == "¥0.05"
    assert yuan(100000000) == "¥1,000,000.00"
    assert yuan(-250, sign=True) == "-¥2.50"
    assert yuan(250, sign=True) == "+¥2.50"
    assert plain(-1) == "-0.01"


@given(st.integers(min_value=1, max_value=10**11 - 1))
def test_plain_and_parse_round_trip(fen):
    assert parse_amount(plain(fen)) == fen
