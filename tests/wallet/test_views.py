import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from apps.core import clock
from apps.wallet import services
from apps.wallet.ledger import audit
from apps.wallet.models import Entry, Transaction

from .conftest import PIN, key

pytestmark = pytest.mark.django_db


def _key_of(response) -> str:
    return re.search(rb'name="key" value="([^"]+)"', response.content).group(1).decode()


def test_wallet_pages_render(client_as, liwei, wangfang, fund, django_assert_max_num_queries):
    fund(liwei, 100_00)
    t = services.transfer_create(actor=liwei, to=wangfang, amount="5", pin=PIN, idempotency_key=key())
    client = client_as(liwei)
    pages = [
        reverse("wallet:home"),
        reverse("wallet:topup"),
        reverse("wallet:withdraw"),
        reverse("wallet:statement"),
        reverse("wallet:pin"),
        reverse("wallet:receive"),
        reverse("wallet:merchants"),
        reverse("wallet:transfer", args=[t.pk]),
        reverse("wallet:transfer_to", args=[wangfang.public_id]),
        reverse("wallet:record", args=[t.txns.first().pk]),
    ]
    for url in pages:
        with django_assert_max_num_queries(15):
            response = client.get(url)
        assert response.status_code == 200, url
    assert "¥95.00" in client.get(reverse("wallet:home")).content.decode()


def test_me_page_links_to_the_wallet(client_as, liwei):
    assert reverse("wallet:home") in client_as(liwei).get(reverse("accounts:me")).content.decode()


def test_topup_form_is_idempotent_on_resubmit(client_as, liwei, pin_for):
    pin_for(liwei)
    client = client_as(liwei)
    k = _key_of(client.get(reverse("wallet:topup")))
    for _ in range(2):
        response = client.post(reverse("wallet:topup"), {"amount": "12.34", "pin": PIN, "key": k})
        assert response.status_code == 302
    assert services.account_for(liwei).balance == 12_34


def test_bad_input_shows_an_error_and_writes_nothing(client_as, liwei, pin_for):
    pin_for(liwei)
    client = client_as(liwei)
    for amount in ("0", "-3", "1.234", "lots", "999999999"):
        response = client.post(reverse("wallet:topup"), {"amount": amount, "pin": PIN, "key": key()})
        assert response.status_code == 200 and b"errorlist" in response.content
    response = client.post(reverse("wallet:topup"), {"amount": "5", "pin": "999999", "key": key()})
    assert b"Wrong payment PIN" in response.content
    assert not Entry.objects.exists()


def test_records_are_private(client_as, liwei, wangfang, fund):
    fund(liwei, 10_00)
    txn = Transaction.objects.get(initiator=liwei)
    assert client_as(wangfang).get(reverse("wallet:record", args=[txn.pk])).status_code == 404
    assert client_as(wangfang).get(reverse("wallet:record", args=[999999])).status_code == 404


def test_statement_filters_and_csv(client_as, liwei, wangfang, fund):
    fund(liwei, 100_00)
    t = services.transfer_create(
        actor=liwei, to=wangfang, amount="7", note="=cmd()", pin=PIN, idempotency_key=key()
    )
    client = client_as(liwei)
    page = client.get(reverse("wallet:statement"), {"kind": "transfer"}).content.decode()
    assert "Transfer to" in page and "Top up</div>" not in page
    assert "<svg" in page and "bar-in" in page  # the server-side chart
    response = client.get(reverse("wallet:statement_csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "time", "type"]
    amounts = sorted(r[4] for r in rows[1:])
    assert amounts == ["-7.00", "100.00"]
    assert any(r[6] == "'=cmd()" for r in rows[1:])  # no formula injection
    assert t.pk


def test_transfer_accept_from_the_page(client_as, liwei, wangfang, fund):
    fund(liwei, 100_00)
    t = services.transfer_create(actor=liwei, to=wangfang, amount="5", pin=PIN, idempotency_key=key())
    assert client_as(liwei).post(reverse("wallet:transfer_act", args=[t.pk, "accept"])).status_code == 302
    assert services.account_for(wangfang).balance == 0
    client = client_as(wangfang)
    assert client.post(reverse("wallet:transfer_act", args=[t.pk, "accept"])).status_code == 302
    assert services.account_for(wangfang).balance == 5_00


def test_grab_json_and_details(client_as, cast, workshop, fund):
    liwei, emma = cast["liwei"], cast["emma"]
    fund(liwei, 100_00)
    p = services.packet_create(
        actor=liwei,
        conversation_id=workshop.pk,
        kind="lucky",
        amount="10",
        count=2,
        pin=PIN,
        idempotency_key=key(),
    )
    client = client_as(emma)
    state = client.get(reverse("wallet:packet_state", args=[p.pk])).json()
    assert state["can_open"] and state["mine"] is None and not state["opens_details"]
    grab = client.post(reverse("wallet:packet_grab", args=[p.pk]), HTTP_ACCEPT="application/json").json()
    assert client.get(reverse("wallet:packet_state", args=[p.pk])).json()["opens_details"]  # a share: details
    assert grab["ok"] and grab["amount"].startswith("¥")
    assert client.get(reverse("wallet:packets_opened"), {"ids": str(p.pk)}).json() == {"opened": [p.pk]}
    client_as(cast["tom"]).post(reverse("wallet:packet_grab", args=[p.pk]), HTTP_ACCEPT="application/json")
    page = client_as(emma).get(reverse("wallet:packet", args=[p.pk])).content.decode()
    assert "Best luck" in page and "all taken in" in page
    late = client_as(cast["sophie"]).post(
        reverse("wallet:packet_grab", args=[p.pk]), HTTP_ACCEPT="application/json"
    )
    assert late.status_code == 400 and "Too late" in late.json()["message"]


def test_the_cards_open_button_follows_the_grab_rule(client_as, cast, workshop, fund):
    """The card offers "Open" exactly when a grab would succeed: the sender may open their own one-share
    packet in a group, not in a 1:1 chat; nobody may open someone else's exclusive packet."""
    from apps.chat import services as chat

    liwei, wangfang, emma = cast["liwei"], cast["wangfang"], cast["emma"]
    fund(liwei, 100_00)

    def packet(conversation, **kw):
        kw = {"kind": "lucky", "amount": "1", "count": 1, **kw}
        return services.packet_create(
            actor=liwei, conversation_id=conversation.pk, pin=PIN, idempotency_key=key(), **kw
        )

    def can_open(user, p) -> bool:
        return client_as(user).get(reverse("wallet:packet_state", args=[p.pk])).json()["can_open"]

    in_group = packet(workshop)
    assert can_open(liwei, in_group)
    services.packet_grab(actor=liwei, pk=in_group.pk)  # and the grab agrees
    direct = packet(chat.conversation_direct_get_or_create(a=liwei, b=wangfang))
    assert not can_open(liwei, direct) and can_open(wangfang, direct)
    exclusive = packet(workshop, kind="exclusive", exclusive_to_id=wangfang.pk)
    assert not can_open(emma, exclusive) and can_open(wangfang, exclusive)


def _writes(queries) -> list[str]:
    return [
        q["sql"] for q in queries if q["sql"].lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")
    ]


def test_pages_show_an_expired_transfer_and_packet_but_only_the_sweep_refunds(
    cast, workshop, fund, published_events
):
    """No GET moves money: after 24 hours the pages say "expired" while the money waits for the sweep."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.wallet.models import RedPacket, Transfer

    liwei, wangfang, emma = cast["liwei"], cast["wangfang"], cast["emma"]
    fund(liwei, 100_00)
    t = services.transfer_create(actor=liwei, to=wangfang, amount="30", pin=PIN, idempotency_key=key())
    p = services.packet_create(
        actor=liwei, conversation_id=workshop.pk, kind="lucky", amount="10", count=2, pin=PIN,
        idempotency_key=key(),
    )  # fmt: skip
    clock.advance(timedelta(hours=25))
    recipient, member = Client(), Client()  # logged in before counting: a login writes its session
    recipient.force_login(wangfang)
    member.force_login(emma)
    with published_events() as sent, CaptureQueriesContext(connection) as queries:
        transfer_page = recipient.get(reverse("wallet:transfer", args=[t.pk])).content.decode()
        packet_page = member.get(reverse("wallet:packet", args=[p.pk])).content.decode()
        state = member.get(reverse("wallet:packet_state", args=[p.pk])).json()
    assert 'data-state="expired"' in transfer_page and 'data-testid="accept"' not in transfer_page
    assert "Expired: 0/2 opened; ¥10.00 returned to the sender" in packet_page
    assert state["state"] == "expired" and not state["can_open"]
    assert _writes(queries.captured_queries) == [] and sent == []
    assert services.account_for(liwei).balance == 60_00
    t.refresh_from_db()
    p.refresh_from_db()
    assert t.status == Transfer.Status.PENDING and p.status == RedPacket.Status.OPEN

    assert services.wallet_expire_due() == {"transfers": 1, "packets": 1}  # the sweep's work
    assert services.account_for(liwei).balance == 100_00


def test_the_action_that_meets_an_expired_packet_refunds_it(client_as, cast, workshop, fund):
    liwei, emma = cast["liwei"], cast["emma"]
    fund(liwei, 100_00)
    p = services.packet_create(
        actor=liwei, conversation_id=workshop.pk, kind="lucky", amount="10", count=2, pin=PIN,
        idempotency_key=key(),
    )  # fmt: skip
    clock.advance(timedelta(hours=25))
    late = client_as(emma).post(reverse("wallet:packet_grab", args=[p.pk]), HTTP_ACCEPT="application/json")
    assert late.status_code == 400 and late.json()["code"] == "expired"
    assert services.account_for(liwei).balance == 100_00 and services.account_for(emma).balance == 0


def test_send_packet_from_the_form(client_as, cast, workshop, fund):
    liwei = cast["liwei"]
    fund(liwei, 100_00)
    client = client_as(liwei)
    url = reverse("wallet:packet_new", args=[workshop.pk])
    k = _key_of(client.get(url))
    data = {"kind": "lucky", "amount": "20", "count": "5", "note": "Go!", "pin": PIN, "key": k}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # double submit
    assert services.account_for(liwei).balance == 80_00


def test_pay_by_receive_code(client_as, liwei, tom, fund):

    fund(liwei, 100_00)
    token = services.receive_token(user=tom, amount=8_80)
    client = client_as(liwei)
    page = client.get(reverse("wallet:pay", args=[token]))
    assert "¥8.80" in page.content.decode()
    response = client.post(reverse("wallet:pay", args=[token]), {"amount": "999", "pin": PIN, "key": key()})
    assert response.status_code == 302  # the fixed amount wins over a forged one
    assert services.account_for(tom).balance == 8_80
    assert client.get(reverse("wallet:pay", args=["forged" + token])).status_code == 404
    assert client.get(reverse("wallet:receive_qr", args=[token, "svg"])).status_code == 404  # tom's own code
    assert client_as(tom).get(reverse("wallet:receive_qr", args=[token, "svg"])).status_code == 200
    assert audit() == []


def test_paying_yourself_by_your_own_code_is_refused(client_as, liwei, fund):

    fund(liwei, 100_00)
    response = client_as(liwei).post(
        reverse("wallet:pay", args=[services.receive_token(user=liwei)]),
        {"amount": "1", "pin": PIN, "key": key()},
    )
    assert b"pay yourself" in response.content
    assert services.account_for(liwei).balance == 100_00


def test_chat_thread_offers_red_packet_and_transfer(client_as, liwei, wangfang, workshop):
    from apps.chat import services as chat

    conv = chat.conversation_direct_get_or_create(a=liwei, b=wangfang)
    page = client_as(liwei).get(reverse("chat:thread", args=[conv.pk])).content.decode()
    assert reverse("wallet:packet_new", args=[conv.pk]) in page
    assert reverse("wallet:transfer_in_chat", args=[conv.pk]) in page
    assert "js/wallet.js" in page
    group = client_as(liwei).get(reverse("chat:thread", args=[workshop.pk])).content.decode()
    assert reverse("wallet:packet_new", args=[workshop.pk]) in group
    assert "transfer/chat" not in group


def test_seed_is_idempotent_and_balanced(db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    count = Transaction.objects.count()
    call_command("seed_demo", verbosity=0)
    assert Transaction.objects.count() == count
    from apps.wallet.models import RedPacket, Transfer

    assert Transfer.objects.filter(status="pending").exists()
    assert RedPacket.objects.filter(status="open").exists()
    assert audit() == []
    call_command("seed_demo", "--reset", verbosity=0)  # a packet's shares go with it
    assert Transaction.objects.count() == count and audit() == []


def test_a_friends_profile_offers_a_transfer(client_as, liwei, wangfang):
    page = client_as(liwei).get(reverse("accounts:profile", args=[wangfang.public_id])).content.decode()
    assert reverse("wallet:transfer_to", args=[wangfang.public_id]) in page


def test_the_sender_of_an_emptied_packet_opens_its_details_not_too_late(client_as, cast, workshop, fund):
    liwei = cast["liwei"]
    fund(liwei, 100_00)
    p = services.packet_create(
        actor=liwei,
        conversation_id=workshop.pk,
        kind="lucky",
        amount="1",
        count=1,
        pin=PIN,
        idempotency_key=key(),
    )
    assert (
        not client_as(liwei).get(reverse("wallet:packet_state", args=[p.pk])).json()["opens_details"]
    )  # may grab
    services.packet_grab(actor=cast["emma"], pk=p.pk)
    state = client_as(liwei).get(reverse("wallet:packet_state", args=[p.pk])).json()
    assert state["state"] == "empty" and state["opens_details"]
    assert (
        not client_as(cast["wangfang"])
        .get(reverse("wallet:packet_state", args=[p.pk]))
        .json()["opens_details"]
    )


def test_the_amount_label_follows_the_packet_kind(client_as, cast, workshop):
    from apps.wallet.forms import PacketForm

    form = PacketForm(members=[], group=True)
    attrs = form.fields["amount"].widget.attrs
    assert (attrs["data-label-lucky"], attrs["data-label-normal"]) == ("Total (¥)", "Amount each (¥)")
    assert form.fields["amount"].label == "Total (¥)"  # lucky is picked first
    assert PacketForm({"kind": "normal"}, members=[], group=True).fields["amount"].label == "Amount each (¥)"
    assert PacketForm(members=[], group=False).fields["amount"].label == "Amount (¥)"
