import threading
from datetime import timedelta

import pytest

from apps.core import clock, periodic
from apps.wallet import services
from apps.wallet.models import Transfer
from tests.conftest import serve_lifespan_until

from .conftest import PIN, key


def _watch_expiry(monkeypatch):
    """Wrap the registered expiry job; the returned event is set once it has run to the end."""
    job, swept = periodic._jobs["wallet.expire_due"], threading.Event()

    def run():
        result = job.run()
        swept.set()
        return result

    monkeypatch.setitem(periodic._jobs, job.name, periodic.Job(job.name, run, job.every))
    monkeypatch.setattr(periodic, "_next_look", {})
    return swept


@pytest.mark.django_db(transaction=True)
def test_the_server_lifespan_runs_the_expiry_that_refunds_an_expired_transfer(
    liwei, wangfang, fund, monkeypatch
):
    fund(liwei, 10_00)
    t = services.transfer_create(actor=liwei, to=wangfang, amount="3", pin=PIN, idempotency_key=key())
    clock.advance(timedelta(hours=25))
    swept = _watch_expiry(monkeypatch)

    assert serve_lifespan_until(swept) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert swept.is_set()
    t.refresh_from_db()
    assert t.status == Transfer.Status.EXPIRED
    assert services.account_for(liwei).balance == 10_00  # the money came back


def test_the_expiry_is_registered_as_periodic_work_every_30_seconds():
    job = periodic._jobs["wallet.expire_due"]
    assert job.run is services.wallet_expire_due and job.every == 30


@pytest.mark.django_db(transaction=True)
def test_one_of_two_workers_runs_the_expiry_per_period(liwei, wangfang, fund, monkeypatch):
    fund(liwei, 10_00)
    t = services.transfer_create(actor=liwei, to=wangfang, amount="3", pin=PIN, idempotency_key=key())
    clock.advance(timedelta(hours=25))
    monkeypatch.setattr(periodic, "_next_look", {})
    assert periodic.run_due(holder="worker-1")["wallet.expire_due"] == {"transfers": 1, "packets": 0}
    assert "wallet.expire_due" not in periodic.run_due(holder="worker-2")
    t.refresh_from_db()
    assert t.status == Transfer.Status.EXPIRED


@pytest.mark.django_db
def test_chat_list_previews_of_wallet_cards(liwei, wangfang, fund):
    from apps.chat import cards
    from apps.chat.models import Message

    fund(liwei, 10_00)
    t = services.transfer_create(actor=liwei, to=wangfang, amount="3", pin=PIN, idempotency_key=key())
    message = Message.objects.get(pk=t.message_id)
    assert cards.preview(message) == "[Transfer] ¥3.00"
    html = cards.render_all(message)
    assert "¥3.00" in html["en"] and "转账" in html["zh-hans"]
