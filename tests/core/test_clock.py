"""The app's calendar: its day rolls over at midnight China time, whatever zone the machine or a page is in."""

from datetime import UTC, datetime, timedelta

from apps.core import clock


def test_today_is_china_s_date_on_the_one_clock():
    late_evening_utc = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on New Year's Day in Shanghai
    with clock.travel(late_evening_utc - clock.now()):
        assert clock.today().isoformat() == "2027-01-01"
        assert clock.calendar().hour == 0
    with clock.travel(late_evening_utc - timedelta(hours=1) - clock.now()):
        assert clock.today().isoformat() == "2026-12-31"
