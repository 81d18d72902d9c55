"""People casting their nets at the same instant never bring up the same bottle, and one person casting from
many tabs at once holds one bottle. Real threads, each with its own connection: on SQLite (IMMEDIATE
transactions, one writer at a time) here, on PostgreSQL (row locks, FOR UPDATE SKIP LOCKED) in `make test`'s
second pass. The last test needs PostgreSQL's row locks and says so where it is skipped."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction

from apps.accounts.models import User
from apps.bottles import services
from apps.bottles.models import Bottle, Pick
from apps.core import clock
from apps.core.errors import DomainError
from tests.concurrency import at_once, require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


def sea(n: int, thrower: User) -> list[Bottle]:
    now = clock.now()
    return Bottle.objects.bulk_create(
        [
            Bottle(
                thrower=thrower,
                text=f"#{i}",
                created_at=now,
                expires_at=now + timedelta(days=7),
                spot=i * 1000,
            )
            for i in range(n)
        ]
    )


def people(n: int) -> list[User]:
    User.objects.bulk_create(
        [User(username=f"picker{i}", public_id=f"picker{i}", date_joined=clock.now()) for i in range(n)]
    )
    return list(User.objects.filter(username__startswith="picker").order_by("pk"))


def test_pickers_at_the_same_instant_never_get_the_same_bottle(cast):
    sea(8, cast["emma"])
    pickers = people(16)
    results = at_once(lambda person: services.bottle_pick(actor=person), pickers)
    caught = [r.bottle.pk for r in results if not isinstance(r, DomainError)]
    refused = [r.code for r in results if isinstance(r, DomainError)]
    assert len(caught) == 8 and len(set(caught)) == 8  # every bottle once, none twice
    assert refused == ["empty"] * 8
    holders = Counter(Bottle.objects.values_list("holder_id", flat=True))
    assert all(count == 1 for count in holders.values()) and len(holders) == 8
    assert Pick.objects.count() == 8


def test_one_person_casting_from_many_tabs_at_once_holds_one_bottle(cast):
    sea(20, cast["emma"])
    liwei = cast["liwei"]
    results = at_once(lambda _n: services.bottle_pick(actor=liwei), range(8))
    caught = [r for r in results if not isinstance(r, DomainError)]
    assert len(caught) == 1
    assert sorted(r.code for r in results if isinstance(r, DomainError)) == ["in_hand"] * 7
    assert Bottle.objects.filter(holder=liwei).count() == 1


class FromTheStart:
    """A net cast from the sea's first spot, never a starfish: both pickers walk to the same bottle first."""

    def randrange(self, n):
        return 0

    def random(self):
        return 0.99


def test_a_picker_walks_past_a_bottle_another_is_taking_instead_of_waiting(cast):
    require_postgresql("walking past a locked bottle (SKIP LOCKED)")
    first, second = sea(2, cast["emma"])
    locked, release = threading.Event(), threading.Event()

    def taking_the_first():  # holds the first bottle's row lock, as a slower picker mid-transaction would
        try:
            with transaction.atomic():
                Bottle.objects.select_for_update().get(pk=first.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    def picking():
        try:
            locked.wait(30)
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '5s'")  # waiting would fail the pick, not hang the test
            return services.bottle_pick(actor=cast["tom"], rng=FromTheStart())
        finally:
            release.set()
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder = pool.submit(taking_the_first)
        catch = pool.submit(picking).result()
        holder.result()
    assert catch.bottle.pk == second.pk
