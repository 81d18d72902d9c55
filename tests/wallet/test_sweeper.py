import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from apps.core import clock
from apps.wallet import services, sweeper
from apps.wallet.models import Transfer

from .conftest import PIN, key


def _in_own_loop(coroutine):
    """Run `coroutine` in a thread of its own: Playwright's sync API may hold an event loop in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _watch_sweeps(monkeypatch, *, fail_first=False):
    """Wrap the real `sweep_once`; the returned event is set once a sweep has run to the end."""
    real, swept, calls = sweeper.sweep_once, threading.Event(), []

    def sweep():
        calls.append(1)
        if fail_first and len(calls) == 1:
            raise RuntimeError("a bad row")
        result = real()
        swept.set()
        return result

    monkeypatch.setattr(sweeper, "sweep_once", sweep)
    return swept


@pytest.mark.django_db(transaction=True)
def test_the_server_lifespan_starts_a_sweeper_that_refunds_an_expired_transfer(
    liwei, wangfang, fund, monkeypatch
):
    fund(liwei, 10_00)
    t = services.transfer_create(actor=liwei, to=wangfang, amount="3", pin=PIN, idempotency_key=key())
    clock.advance(timedelta(hours=25))
    swept = _watch_sweeps(monkeypatch)

    async def scenario():
        inbox, sent = asyncio.Queue(), []

        async def send(message):
            sent.append(message["type"])

        await inbox.put({"type": "lifespan.startup"})
        task = asyncio.create_task(sweeper.lifespan({"type": "lifespan"}, inbox.get, send))
        await asyncio.to_thread(swept.wait, 20)
        await inbox.put({"type": "lifespan.shutdown"})
        await task
        return sent

    assert _in_own_loop(scenario()) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert swept.is_set() and sweeper._task is None
    t.refresh_from_db()
    assert t.status == Transfer.Status.EXPIRED
    assert services.account_for(liwei).balance == 10_00  # the money came back


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_keeps_sweeping_after_a_failed_round(liwei, wangfang, fund, monkeypatch):
    fund(liwei, 10_00)
    t = services.transfer_create(actor=liwei, to=wangfang, amount="3", pin=PIN, idempotency_key=key())
    clock.advance(timedelta(hours=25))
    swept = _watch_sweeps(monkeypatch, fail_first=True)

    async def scenario():
        sweeper.start(interval=0)
        await asyncio.to_thread(swept.wait, 20)
        await sweeper.stop()

    _in_own_loop(scenario())
    t.refresh_from_db()
    assert t.status == Transfer.Status.EXPIRED and services.account_for(liwei).balance == 10_00


@pytest.mark.django_db(transaction=True)
def test_sweep_once_expires_due_items(liwei, wangfang, fund):
    fund(liwei, 10_00)
    t = services.transfer_create(actor=liwei, to=wangfang, amount="3", pin=PIN, idempotency_key=key())
    clock.advance(timedelta(hours=25))
    assert sweeper.sweep_once() == {"transfers": 1, "packets": 0}
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
