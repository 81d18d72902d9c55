"""Each message tells its sender what they may still do with it and until when; the times are the services'
rule, so an action offered until T is accepted just before T and refused just after."""

from datetime import datetime, timedelta

import pytest

from apps.chat import selectors, services
from apps.core import clock
from apps.core.errors import DomainError

MOMENT = timedelta(seconds=1)


def until(message, field: str) -> datetime | None:
    value = selectors.message_data(message)[field]
    return datetime.fromisoformat(value) if value else None


def move_to(instant: datetime) -> None:
    clock.advance(instant - clock.now())


@pytest.mark.parametrize("just", ["before", "after"])
def test_recall_is_offered_exactly_as_long_as_it_is_accepted(direct, liwei, just):
    message = services.message_send(sender=liwei, conversation=direct, text="hi")
    recall_until = until(message, "recall_until")
    assert recall_until == message.created_at + services.RECALL_WINDOW
    move_to(recall_until - MOMENT if just == "before" else recall_until + MOMENT)
    if just == "before":
        assert services.message_recall(actor=liwei, message_id=message.pk).recalled
    else:
        with pytest.raises(DomainError):
            services.message_recall(actor=liwei, message_id=message.pk)


@pytest.mark.parametrize("just", ["before", "after"])
def test_reedit_is_offered_exactly_as_long_as_it_is_accepted(direct, liwei, just):
    message = services.message_send(sender=liwei, conversation=direct, text="typo")
    assert until(message, "reedit_until") is None  # not recalled: nothing to re-edit
    message = services.message_recall(actor=liwei, message_id=message.pk)
    assert until(message, "recall_until") is None  # recalled: no second recall
    reedit_until = until(message, "reedit_until")
    assert reedit_until == message.recalled_at + services.REEDIT_WINDOW
    move_to(reedit_until - MOMENT if just == "before" else reedit_until + MOMENT)
    if just == "before":
        assert services.message_recalled_text(actor=liwei, message_id=message.pk) == "typo"
    else:
        with pytest.raises(DomainError):
            services.message_recalled_text(actor=liwei, message_id=message.pk)


def test_messages_that_cannot_be_recalled_say_so(group):
    system = services.message_post_system(
        conversation=group, event="renamed", params={"actor": "x", "name": "y"}
    )
    assert selectors.message_data(system)["recall_until"] is None
