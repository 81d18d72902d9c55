"""The organiser's dashboard: the figures an organiser reads (check-ins per day, unique and repeat visitors,
rewards, budget), the chart's words for a screen reader, the CSV export (safe in a spreadsheet), only for the
venue's organiser, in a bounded number of queries whatever the history."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from apps.accounts.models import User
from apps.checkin import dashboard, services
from apps.checkin.models import CheckIn, Venue, VenueDay
from apps.core import clock

from .conftest import check_in

LONG_AGO = "2026-01-01T00:00"


def _history(venue, person, days_ago):
    with clock.travel(timedelta(days=-days_ago)):
        return check_in(person, venue)


def _export(client, venue) -> list[list[str]]:
    response = client.get(reverse("checkin:export", args=[venue.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets then read the Chinese names as UTF-8
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_dashboard_counts_visitors_repeats_rewards_and_budget(client_as, sunli, emma, tom, make_venue):
    venue = make_venue(sunli, reward="coupon", coupon_text="Free tea", budget=5, opens_at=LONG_AGO)
    _history(venue, emma, 3)
    _history(venue, emma, 1)
    _history(venue, tom, 1)
    check_in(emma, venue)
    page = client_as(sunli).get(reverse("checkin:dashboard", args=[venue.pk])).content.decode()

    def figure(name):
        return page.split(f'data-testid="figure-{name}">', 1)[1].split("<", 1)[0]

    assert figure("checkins") == "4"
    assert figure("visitors") == "2"
    assert figure("repeat") == "1"  # Emma came on three days, Tom on one
    assert figure("rewards") == "4"
    assert figure("budget") == "1"
    # The chart's table fallback has a row per day of the last 30, with the day's count.
    three_days_ago = (clock.today() - timedelta(days=3)).isoformat()
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    assert f'<th scope="row">{yesterday}</th><td>2</td>' in page
    assert f'<th scope="row">{three_days_ago}</th><td>1</td>' in page
    assert page.count('<th scope="row">') == dashboard.DAYS
    # The chart says what it shows to a screen reader.
    assert 'role="img" aria-labelledby="dash-chart-title dash-chart-desc"' in page
    assert f"4 check-ins in the last 30 days; the busiest day was {yesterday} with 2." in page


def test_no_budget_says_no_limit_and_an_empty_chart_says_so(client_as, sunli, make_venue):
    venue = make_venue(sunli)
    page = client_as(sunli).get(reverse("checkin:dashboard", args=[venue.pk])).content.decode()
    assert 'data-testid="figure-budget">No limit<' in page
    assert "No check-ins in the last 30 days." in page


def test_the_chart_draws_a_bar_per_day_scaled_to_a_round_top():
    today = clock.today()
    series = [(today - timedelta(days=29 - n), n % 8) for n in range(30)]  # peaks at 7
    drawn = dashboard.chart(series)
    bars = drawn["bars"]
    assert [b.day for b in bars] == [d for d, _n in series]
    assert drawn["grid"][-1]["value"] == 10  # 7 rounds up to a top of 10, the middle line at 5
    assert drawn["grid"][1]["value"] == 5
    full = drawn["base"] - drawn["grid"][-1]["y"]
    for bar in bars:
        assert bar.height == pytest.approx(full * bar.count / 10, abs=0.01)
        assert bar.y + bar.height == pytest.approx(drawn["base"], abs=0.01)
    # The day axis is labelled on today and each week before it, and the bars stay inside the chart.
    assert [b.label for b in bars if b.tick][-1] == f"{today.month}/{today.day}"
    assert sum(b.tick for b in bars) == 5
    assert bars[0].x >= drawn["left"] and bars[-1].x + bars[-1].width <= drawn["right"]


def test_days_fill_the_quiet_days_with_zeros(sunli, emma, make_venue):
    venue = make_venue(sunli, opens_at=LONG_AGO)
    _history(venue, emma, 40)  # before the chart's span: not in it
    _history(venue, emma, 2)
    series = dashboard.days(venue)
    assert len(series) == dashboard.DAYS and series[-1][0] == clock.today()
    assert [n for _d, n in series] == [0] * 27 + [1, 0, 0]


def test_the_export_lists_every_check_in_and_neutralises_formulas(client_as, sunli, emma, make_venue):
    venue = make_venue(sunli, opens_at=LONG_AGO)
    names = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3", "@SUM(A1)", "\tTab", "\rCR", "王小明"]
    crowd = [
        User.objects.create(
            username=f"csv{i}", public_id=f"csv{i}x", display_name=n, password=make_password(None)
        )
        for i, n in enumerate(names)
    ]
    for person in crowd:
        check_in(person, venue)
    rows = _export(client_as(sunli), venue)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Date", "Time", "Number that day", "Visitor"]
    assert len(body) == len(names)
    shown = {row[3] for row in body}
    for name in names[:-1]:
        assert "'" + name in shown  # starts with an apostrophe: the spreadsheet shows text, runs nothing
    assert "王小明" in shown  # ordinary names are untouched
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_only_the_organiser_sees_the_dashboard_and_the_export(client, client_as, sunli, emma, make_venue):
    venue = make_venue(sunli)
    check_in(emma, venue)
    pages = [reverse("checkin:dashboard", args=[venue.pk]), reverse("checkin:export", args=[venue.pk])]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    visitor = client_as(emma)  # she checked in there: still not hers to read
    for path in pages:
        assert visitor.get(path).status_code == 404
    assert client_as(sunli).get(pages[1]).status_code == 200


def test_the_dashboard_and_the_export_take_a_bounded_number_of_queries(
    client_as, sunli, make_venue, django_assert_max_num_queries
):
    venue = make_venue(sunli, reward="coupon", coupon_text="Tea", budget=1000, opens_at=LONG_AGO)
    crowd = User.objects.bulk_create(
        [User(username=f"q{i}", public_id=f"q{i}x", display_name=f"Q{i}", password="!") for i in range(40)]
    )
    today = clock.today()
    rows, days = [], []
    for back in range(45):  # 45 days, more than the chart shows, 40 people on every one
        day = today - timedelta(days=back)
        days.append(VenueDay(venue=venue, day=day, checkins=len(crowd)))
        rows += [
            CheckIn(
                venue=venue, person=p, day=day, via="kiosk", number=n, reward="coupon", reward_state="given"
            )
            for n, p in enumerate(crowd, start=1)
        ]
    VenueDay.objects.bulk_create(days)
    CheckIn.objects.bulk_create(rows)
    client = client_as(sunli)
    with django_assert_max_num_queries(8):  # session, user, venue, days, totals, repeats (+ the messages)
        page = client.get(reverse("checkin:dashboard", args=[venue.pk])).content.decode()
    assert 'data-testid="figure-checkins">1800<' in page and 'data-testid="figure-repeat">40<' in page
    with django_assert_max_num_queries(6):
        assert len(_export(client, venue)) == 1 + 1800


def test_the_venue_page_links_its_organiser_to_the_dashboard(client_as, sunli, emma, make_venue):
    venue = make_venue(sunli)
    path = reverse("checkin:venue", args=[venue.pk])
    assert 'data-testid="open-dashboard"' in client_as(sunli).get(path).content.decode()
    assert 'data-testid="open-dashboard"' not in client_as(emma).get(path).content.decode()


def test_a_budget_of_zero_shows_zero_left(client_as, sunli, emma, make_venue):
    venue = make_venue(sunli, budget=0)
    check_in(emma, venue)
    assert Venue.objects.get().rewards_left == 0
    assert services.reward_text(venue.reward, venue.reward_amount)
    page = client_as(sunli).get(reverse("checkin:dashboard", args=[venue.pk])).content.decode()
    assert 'data-testid="figure-budget">0<' in page and 'data-testid="figure-rewards">0<' in page
