"""Reset: `seed_demo --reset` and the console's button bring back the sample state, the same every time, with
the attendees kept (welcomed again) or removed; only a host may, only in DEMO_MODE."""

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.selectors import are_friends
from apps.chat.models import Membership
from apps.wallet.ledger import audit
from apps.wallet.selectors import balance_of
from apps.workshop import console, joining
from apps.workshop.models import Attendee

# Rows that are not sample data: sessions, the code's state, the clock's offset, the attendees (counted apart),
# and the hot-search refresh's state (one row per minute of its cycle: a reset in another minute adds one).
NOT_SAMPLE = {
    "sessions.session",
    "workshop.joincode",
    "workshop.attendee",
    "core.clockoffset",
    "microblog.hotsnapshot",
}


def sample_counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label_lower not in NOT_SAMPLE and not model._meta.label_lower.startswith("admin.")
    }


@pytest.fixture
def seeded(db, settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", verbosity=0)
    return sample_counts()


def join(client, name: str) -> User:
    client.logout()
    url = reverse("workshop:join", args=[joining.token_for(joining.join_code())])
    assert client.post(url, {"name": name}).status_code == 302
    return User.objects.get(pk=client.session[SESSION_KEY])


def test_reset_twice_gives_the_same_state_as_a_fresh_seed(seeded, client, capsys):
    join(client, "Ada")
    call_command("seed_demo", "--reset")
    first = sample_counts()
    call_command("seed_demo", "--reset")
    assert sample_counts() == first == seeded
    assert not Attendee.objects.exists()  # removed by default: the sample state exactly
    assert audit() == []
    out = capsys.readouterr().out
    assert "[1/15] Removing: workshop" in out and "Removing people: workshop" in out  # progress shown
    assert "[15/15] Loading: workshop" in out and "Sample data restored in" in out


def test_a_reset_keeping_attendees_welcomes_them_again(seeded, client):
    ada, bob = join(client, "Ada"), join(client, "Bob")
    for _ in range(2):  # idempotent with attendees too
        call_command("seed_demo", "--reset", "--keep-attendees", verbosity=0)
    host = joining.presenter()
    group = joining.workshop_group(host)
    assert Attendee.objects.count() == 2
    for person in (ada, bob):
        person.refresh_from_db()
        assert are_friends(person, host) and are_friends(host, person)
        assert Membership.objects.filter(conversation=group, user=person, active=True).count() == 1
        assert balance_of(person) == joining.STARTING_BALANCE
    assert audit() == []
    # Without them the sample rows are a fresh seed's.
    call_command("seed_demo", "--reset", verbosity=0)
    assert sample_counts() == seeded


def test_the_console_reset_sends_its_progress_and_keeps_the_host_logged_in(seeded, client, published_events):
    ada = join(client, "Ada")
    host = joining.presenter()
    client.force_login(host)
    with published_events() as sent:
        response = client.post(reverse("workshop:reset"), {"attendees": "keep"})
    assert response.status_code == 302 and response.url == reverse("workshop:console")
    steps = [e["data"] for e in sent if e["type"] == "workshop.reset" and e["page"] == console.page_name()]
    assert [s.get("number") for s in steps[:-1]] == list(range(1, 16)) and steps[-1]["done"]
    assert (
        steps[0]["text"]["en"] == "Removing: Workshop" and steps[0]["text"]["zh-hans"] != "Removing: Workshop"
    )
    # The cast was made anew: the presenter is the new James, still logged in, and reaches the console.
    new_host = joining.presenter()
    assert new_host.pk != host.pk and client.session[SESSION_KEY] == str(new_host.pk)
    assert client.get("/workshop/").status_code == 200
    assert Attendee.objects.filter(user=ada).exists()


def test_the_console_reset_can_remove_the_attendees(seeded, client):
    join(client, "Ada")
    client.force_login(joining.presenter())
    client.post(reverse("workshop:reset"), {"attendees": "remove"})
    assert not Attendee.objects.exists() and sample_counts() == seeded


def test_the_reset_page_asks_first(seeded, client):
    client.force_login(joining.presenter())
    page = client.get(reverse("workshop:reset")).content.decode()
    assert 'data-testid="reset-confirm"' in page and 'value="remove"' in page


def test_an_attendee_cannot_reset(seeded, client):
    join(client, "Mallory")
    before = sample_counts()
    assert client.get(reverse("workshop:reset")).status_code == 403
    assert client.post(reverse("workshop:reset"), {"attendees": "remove"}).status_code == 403
    assert Attendee.objects.count() == 1 and sample_counts() == before


def test_the_reset_service_refuses_a_non_host(seeded):
    from apps.core.errors import NotFound
    from apps.workshop import reset

    with pytest.raises(NotFound):
        reset.reset(actor=User.objects.get(username="emma"), keep_attendees=False)


def test_with_demo_mode_off_there_is_no_reset(seeded, client, settings):
    client.force_login(joining.presenter())
    settings.DEMO_MODE = False
    assert client.post(reverse("workshop:reset"), {"attendees": "remove"}).status_code == 404


def test_one_reset_at_a_time(seeded, client):
    from django.core.cache import cache

    from apps.workshop import reset

    cache.set(reset.RUNNING_KEY, True, 60)
    client.force_login(joining.presenter())
    client.post(reverse("workshop:reset"), {"attendees": "keep"})
    page = client.get("/workshop/").content.decode()
    assert "A reset is already running." in page
