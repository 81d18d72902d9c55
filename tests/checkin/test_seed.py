"""seed_demo: three sample venues owned by sample merchants and the workshop's host, weeks of check-ins (their
day counters agree with the rows), cashback history through the ledger, idempotent; a presenter can still check
in at the workshop today."""

from django.core.management import call_command
from django.db.models import Count

from apps.accounts.models import User
from apps.checkin.models import CheckIn, Venue, VenueDay
from apps.core import clock
from apps.wallet.ledger import audit


def test_seed_demo_makes_venues_with_weeks_of_check_ins(db):
    call_command("seed_demo", verbosity=0)
    venues = {v.organiser.username: v for v in Venue.objects.select_related("organiser")}
    assert set(venues) == {"sunli", "zhaolei", "james"}
    assert {v.reward for v in venues.values()} == {"coupon", "cashback", "points"}
    assert venues["zhaolei"].city == "anshan" and venues["sunli"].city == "shanghai"
    days = CheckIn.objects.values("day").distinct().count()
    assert days >= 14
    counted = {(d.venue_id, d.day): d.checkins for d in VenueDay.objects.all()}
    rows = {
        (r["venue"], r["day"]): r["n"] for r in CheckIn.objects.values("venue", "day").annotate(n=Count("id"))
    }
    assert counted == rows
    assert not CheckIn.objects.filter(
        venue__organiser=User.objects.get(username="james"), person__username="james"
    ).exists()
    assert not CheckIn.objects.filter(
        day=clock.today(), person__username__in=["liwei", "emma", "james"]
    ).exists()
    assert audit() == []
    before = CheckIn.objects.count()
    call_command("seed_demo", verbosity=0)
    assert CheckIn.objects.count() == before and Venue.objects.count() == 3
