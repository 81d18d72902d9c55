"""The moderators' queue in the admin, and the sweep running as the server's periodic job."""

from datetime import timedelta

import pytest

from apps.bottles import services
from apps.bottles.models import Bottle, Report
from apps.core import clock, periodic

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(throw, seasoned):
    bottle = throw("emma", "buy followers cheap")
    assert services.bottle_pick(actor=seasoned["liwei"]).bottle == bottle
    services.bottle_report(actor=seasoned["liwei"], bottle_id=bottle.pk, reason="spam")
    return Report.objects.get()


def test_the_queue_lists_reported_bottles(admin_client, reported):
    html = admin_client.get("/admin/bottles/report/").content.decode()
    assert "buy followers cheap" in html and "spam" in html


@pytest.mark.parametrize(
    ("action", "status", "in_sea"), [("uphold", "upheld", False), ("restore", "restored", True)]
)
def test_the_queues_actions(admin_client, reported, action, status, in_sea):
    response = admin_client.post(
        "/admin/bottles/report/", {"action": action, "_selected_action": [reported.pk]}, follow=True
    )
    assert response.status_code == 200
    reported.refresh_from_db()
    assert reported.status == status and Bottle.objects.get().in_sea is in_sea


def test_the_sweep_runs_as_a_periodic_job(throw, seasoned, settings):
    settings.BOTTLE_HOLD = timedelta(minutes=10)
    bottle = throw("emma")
    services.bottle_pick(actor=seasoned["liwei"])
    assert "bottles.sweep" in [job.name for job in periodic.jobs()]
    with clock.travel(timedelta(minutes=11)):
        assert periodic.run_due(holder="bottles-test")["bottles.sweep"] == {"returned": 1, "washed_away": 0}
    assert Bottle.objects.get(pk=bottle.pk).in_sea
