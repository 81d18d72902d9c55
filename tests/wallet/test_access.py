"""Who may move money to whom: each refusal leaves every balance as it was."""

import pytest
from django.urls import reverse

from apps.accounts.services import user_block
from apps.chat import services as chat
from apps.core.errors import NotFound
from apps.wallet import services
from apps.wallet.ledger import audit
from apps.wallet.models import Account, Grab, Payment, Transfer

from .conftest import PIN, key

pytestmark = pytest.mark.django_db


def balances():
    return dict(Account.objects.values_list("pk", "balance"))


def test_a_member_who_left_the_group_cannot_grab_its_red_packets(cast, workshop, fund, client_as):
    liwei, emma = cast["liwei"], cast["emma"]
    fund(liwei, 100_00)
    packet = services.packet_create(
        actor=liwei,
        conversation_id=workshop.pk,
        kind="lucky",
        amount="10",
        count=5,
        pin=PIN,
        idempotency_key=key(),
    )
    chat.group_leave(actor=emma, conversation=workshop)
    before = balances()
    with pytest.raises(NotFound):
        services.packet_grab(actor=emma, pk=packet.pk)
    answer = client_as(emma).post(
        reverse("wallet:packet_grab", args=[packet.pk]), HTTP_ACCEPT="application/json"
    )
    assert answer.status_code == 404 and not answer.json()["ok"]
    assert balances() == before and not Grab.objects.exists()
    packet.refresh_from_db()
    assert packet.remaining_count == 5 and packet.remaining_amount == 10_00
    assert services.packet_grab(actor=cast["tom"], pk=packet.pk).amount > 0  # those who stayed still can


@pytest.mark.parametrize("who_blocks", ["recipient", "sender"])
def test_no_transfer_between_a_blocked_pair(liwei, wangfang, fund, who_blocks):
    fund(liwei, 100_00)
    if who_blocks == "recipient":
        user_block(actor=wangfang, target=liwei)
    else:
        user_block(actor=liwei, target=wangfang)
    before = balances()
    with pytest.raises(NotFound):
        services.transfer_create(actor=liwei, to=wangfang, amount="10", pin=PIN, idempotency_key=key())
    assert balances() == before and not Transfer.objects.exists()
    assert audit() == []


def test_no_payment_to_the_receive_code_of_someone_who_blocked_you(client_as, liwei, tom, fund):
    fund(liwei, 100_00)
    token = services.receive_token(user=tom, amount=8_80)  # tom's code, shown before he blocked liwei
    user_block(actor=tom, target=liwei)
    before = balances()
    response = client_as(liwei).post(reverse("wallet:pay", args=[token]), {"pin": PIN, "key": key()})
    assert response.status_code == 200 and "This receive code is not valid." in response.content.decode()
    with pytest.raises(NotFound):
        services.payment_create(actor=liwei, payee=tom, amount="1", pin=PIN, idempotency_key=key())
    assert balances() == before and not Payment.objects.exists()
