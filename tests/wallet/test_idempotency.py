"""An idempotency key names one request: sent again with the same details it replays the first result,
sent with other details it is refused and nothing moves (as Stripe does)."""

import pytest

from apps.wallet import services
from apps.wallet.ledger import audit
from apps.wallet.models import Account, Entry, Merchant, Transaction

from .conftest import PIN, key

pytestmark = pytest.mark.django_db


def balances():
    return dict(Account.objects.values_list("pk", "balance"))


def _shop(sunli):
    account = Account.objects.create(kind=Account.Kind.MERCHANT, owner=sunli)
    return Merchant.objects.create(slug="tea", name="Tea", owner=sunli, account=account)


@pytest.fixture
def send(cast, workshop, fund):
    """`send(request_kind, k, **changes)`: one money request by liwei with key `k`, optionally altered."""
    liwei = cast["liwei"]
    fund(liwei, 500_00)
    shop = _shop(cast["sunli"])
    base = {
        "topup": ({"amount": "10"}, services.topup),
        "withdraw": ({"amount": "10"}, services.withdraw),
        "transfer": ({"to": cast["wangfang"], "amount": "10", "note": "Lunch"}, services.transfer_create),
        "packet": (
            {"conversation_id": workshop.pk, "kind": "lucky", "amount": "10", "count": 3, "note": "Hi"},
            services.packet_create,
        ),
        "payment": ({"payee": cast["tom"], "amount": "10", "note": "Tea"}, services.payment_create),
        "merchant": ({"payee": None, "merchant": shop, "amount": "10"}, services.payment_create),
    }

    def call(request_kind, k, **changes):
        params, fn = base[request_kind]
        return fn(actor=liwei, pin=PIN, idempotency_key=k, **{**params, **changes})

    return call


KINDS = ["topup", "withdraw", "transfer", "packet", "payment", "merchant"]


@pytest.mark.parametrize("request_kind", KINDS)
def test_the_same_request_sent_again_replays_the_first_result(send, request_kind):
    k = key()
    first = send(request_kind, k)
    after_first = balances()
    entries = Entry.objects.count()
    again = send(request_kind, k, amount="10.00")  # the same amount, written differently
    assert again.pk == first.pk
    assert balances() == after_first and Entry.objects.count() == entries
    assert Transaction.objects.filter(idempotency_key=k).count() == 1


DIFFERENT = [
    ("topup", {"amount": "11"}),
    ("withdraw", {"amount": "11"}),
    ("transfer", {"amount": "11"}),
    ("transfer", {"note": "Dinner"}),
    ("transfer", {"to": "emma"}),
    ("packet", {"amount": "11"}),
    ("packet", {"count": 4}),
    ("packet", {"kind": "normal"}),
    ("packet", {"note": "Cheers"}),
    ("payment", {"amount": "11"}),
    ("payment", {"payee": "emma"}),
    ("payment", {"note": "Cake"}),
    ("merchant", {"amount": "11"}),
    ("merchant", {"merchant": None, "payee": "sunli"}),
]


@pytest.mark.parametrize(("request_kind", "changes"), DIFFERENT)
def test_the_same_key_with_other_details_is_refused_and_moves_nothing(cast, send, request_kind, changes):
    changes = {name: cast[v] if name in ("to", "payee") else v for name, v in changes.items()}
    k = key()
    send(request_kind, k)
    before, entries = balances(), Entry.objects.count()
    with pytest.raises(services.KeyReused, match="already used for a different request"):
        send(request_kind, k, **changes)
    assert balances() == before and Entry.objects.count() == entries
    assert Transaction.objects.filter(idempotency_key=k).count() == 1
    assert audit() == []


def test_the_same_key_for_another_kind_of_request_is_refused(send):
    k = key()
    send("topup", k)
    before = balances()
    with pytest.raises(services.KeyReused):
        send("withdraw", k)
    assert balances() == before


def test_a_reused_key_is_refused_on_the_form_which_offers_a_fresh_key(cast, fund, client_as):
    liwei = cast["liwei"]
    fund(liwei, 100_00)
    client = client_as(liwei)
    k = key()
    client.post("/wallet/topup/", {"amount": "5", "pin": PIN, "key": k})
    response = client.post("/wallet/topup/", {"amount": "50", "pin": PIN, "key": k})
    assert response.status_code == 200
    assert "already used for a different request" in response.content.decode()
    assert services.account_for(liwei).balance == 105_00
    fresh = response.context["form"].data["key"]
    assert fresh != k
    client.post("/wallet/topup/", {"amount": "50", "pin": PIN, "key": fresh})
    assert services.account_for(liwei).balance == 155_00
