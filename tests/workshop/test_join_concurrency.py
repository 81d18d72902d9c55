"""A room joining at once, on PostgreSQL with real threads: everyone in, each exactly once the host's friend,
a member of the group and funded, and the count exact (the group's row lock, the ledger's idempotency key)."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Friendship
from apps.chat.models import Membership
from apps.chat.seed import seed as chat_seed
from apps.wallet.ledger import audit
from apps.wallet.models import Entry, Transaction
from apps.workshop import joining
from apps.workshop import seed as workshop_seed
from apps.workshop.models import Attendee
from tests.concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True)
PEOPLE = 24


@pytest.fixture
def room(postgresql, cast, settings):
    settings.DEMO_MODE = True
    chat_seed()
    workshop_seed.seed()
    host = cast["james"]
    return {"host": host, "group": joining.workshop_group(host)}


def test_a_room_joining_at_once_is_each_in_exactly_once(room):
    url = reverse("workshop:join", args=[joining.token_for(joining.join_code())])
    members_before = Membership.objects.filter(conversation=room["group"], active=True).count()

    def join(n):
        client = Client(REMOTE_ADDR=f"10.1.0.{n}")
        response = client.post(url, {"name": f"Guest {n}"})
        assert response.status_code == 302, response.content[:300]
        return int(client.session[SESSION_KEY])

    ids = at_once(join, range(PEOPLE), workers=PEOPLE, catch=(AssertionError,))
    assert all(isinstance(i, int) for i in ids), ids
    assert Attendee.objects.count() == PEOPLE == len(set(ids))
    group_members = Membership.objects.filter(conversation=room["group"], active=True)
    assert group_members.count() == members_before + PEOPLE
    assert group_members.filter(user_id__in=ids).count() == PEOPLE
    for owner, friend in (("owner_id__in", "friend"), ("friend_id__in", "owner")):
        assert Friendship.objects.filter(**{owner: ids, friend: room["host"]}).count() == PEOPLE
    funded = Entry.objects.filter(account__owner_id__in=ids, transaction__kind=Transaction.Kind.SEED)
    assert funded.count() == PEOPLE and {e.amount for e in funded} == {joining.STARTING_BALANCE}
    assert audit() == []


def test_one_person_joining_from_two_tabs_at_once_is_in_once(room, cast):
    emma = cast["emma"]
    token = joining.token_for(joining.join_code())
    results = at_once(lambda _n: joining.join_as(user=emma, token=token), range(4), workers=4)
    assert all(r == room["group"] for r in results), results
    assert Membership.objects.filter(conversation=room["group"], user=emma).count() == 1
    assert Transaction.objects.filter(initiator=emma, idempotency_key=joining.FUNDING_KEY).count() == 1
    assert audit() == []
