import asyncio
from datetime import timedelta

import pytest

from apps.core import clock
from apps.wallet import services, sweeper
from apps.wallet.models import Transfer

from .conftest import PIN, key


def test_the_lifespan_app_starts_and_stops_the_sweeper(monkeypatch):
    runs = []
    monkeypatch.setattr(sweeper, "sweep_once", lambda: runs.append(1) or {})

    async def scenario():
        inbox = asyncio.Queue()
        sent = []

        async def send(message):
            sent.append(message["type"])

        await inbox.put({"type": "lifespan.startup"})
        task = asyncio.create_task(sweeper.lifespan({"type": "lifespan"}, inbox.get, send))
        for _ in range(100):
            if runs:
                break
            await asyncio.sleep(0.01)
        await inbox.put({"type": "lifespan.shutdown"})
        await task
        return sent

    # In a thread of its own: Playwright's sync API may hold an event loop in this one.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        sent = pool.submit(asyncio.run, scenario()).result()
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert runs  # swept once right at startup
    assert sweeper._task is None


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
