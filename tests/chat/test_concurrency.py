"""Many people sending into one chat at the same instant, each on their own database connection.

The conversation's row lock is what hands out sequence numbers; these tests run on PostgreSQL (make
test's second pass), where row locks are real. On SQLite, writers are serialised anyway, so a race
cannot happen there and the tests skip.
"""

import pytest

from apps.accounts.models import User
from apps.chat import services
from apps.chat.models import Conversation, Membership, Message
from apps.chat.services import sending
from apps.core import clock
from tests.concurrency import at_once, require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)

SENDERS, EACH = 8, 25


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("chat's race tests")


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch):
    monkeypatch.setattr(sending, "SEND_LIMIT", 10_000)  # read there, at each send


def run_together(fn, count: int) -> list:
    """fn(i) for i in range(count), each on its own thread and connection, released at once; every failure
    is reported, not just the first."""
    return at_once(fn, range(count), workers=count, catch=(Exception,))


def test_concurrent_senders_get_every_seq_once_with_no_gap():
    users = User.objects.bulk_create(
        [
            User(username=f"race{i}", public_id=f"race{i:03d}", display_name=f"Race {i}")
            for i in range(SENDERS)
        ]
    )
    users = list(User.objects.filter(username__startswith="race").order_by("pk"))
    conv = Conversation.objects.create(kind="group", name="Race", owner=users[0], created_at=clock.now())
    Membership.objects.bulk_create(
        [Membership(conversation=conv, user=u, joined_at=clock.now()) for u in users]
    )

    def send_all(i):
        return [
            services.message_send(
                sender=users[i], conversation=conv, text=f"{i}.{k}", client_id=f"{i}-{k}"
            ).seq
            for k in range(EACH)
        ]

    results = run_together(send_all, SENDERS)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    total = SENDERS * EACH
    acked = sorted(seq for seqs in results for seq in seqs)
    assert acked == list(range(1, total + 1))
    # Each sender's own messages keep the order they were sent in.
    assert all(seqs == sorted(seqs) for seqs in results)
    stored = list(Message.objects.filter(conversation=conv).order_by("seq").values_list("seq", flat=True))
    assert stored == list(range(1, total + 1))
    assert Conversation.objects.get(pk=conv.pk).last_seq == total
