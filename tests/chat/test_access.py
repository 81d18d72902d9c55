"""Who may do what in a chat: each refused action changes nothing and tells nobody.

Every test here fails if its one check is deleted from apps/chat (mutation-checked).
"""

import pytest

from apps.accounts import services as accounts
from apps.chat import services
from apps.chat.models import Conversation, HiddenMessage, Membership, Message
from apps.core.errors import DomainError, NotFound


def _state(conversation: Conversation) -> tuple:
    """Everything a refused action must leave as it was: the chat, its messages and its memberships."""
    conv = Conversation.objects.get(pk=conversation.pk)
    return (
        (conv.name, conv.last_seq, conv.owner_id),
        list(
            Message.objects.filter(conversation=conv)
            .order_by("seq")
            .values_list("seq", "kind", "recalled_at")
        ),
        list(
            Membership.objects.filter(conversation=conv)
            .order_by("pk")
            .values_list("user_id", "role", "active", "last_read_seq")
        ),
    )


@pytest.fixture
def removed(group, liwei, wangfang, chenjing):
    """Chen Jing, removed from the group by its owner after a message she had not read yet."""
    services.message_send(sender=wangfang, conversation=group, text="before she goes")
    services.group_remove_member(actor=liwei, conversation=group, user_id=chenjing.pk)
    services.message_send(sender=wangfang, conversation=group, text="after she left")
    return chenjing


def test_blocked_friend_cannot_message_in_an_existing_chat(direct, liwei, wangfang, published_events):
    services.message_send(sender=wangfang, conversation=direct, text="hi")
    accounts.user_block(actor=liwei, target=wangfang)
    before = _state(direct)
    with published_events() as sent, pytest.raises(DomainError) as refused:
        services.message_send(sender=wangfang, conversation=direct, text="are you there?")
    assert refused.value.code == "blocked"
    assert _state(direct) == before
    assert sent == []


def test_removed_member_cannot_rename_the_group(group, removed, published_events):
    before = _state(group)
    with published_events() as sent, pytest.raises(NotFound):
        services.group_rename(actor=removed, conversation=group, name="Mine now")
    assert _state(group) == before
    assert sent == []


def test_removed_member_cannot_send_read_receipts(group, removed, published_events):
    before = _state(group)
    with published_events() as sent, pytest.raises(NotFound):
        services.conversation_read(actor=removed, conversation_id=group.pk, seq=group.last_seq + 10)
    assert _state(group) == before
    assert sent == []


def test_removed_member_cannot_type(group, removed, published_events):
    with published_events() as sent, pytest.raises(NotFound):
        services.conversation_typing(actor=removed, conversation_id=group.pk)
    assert sent == []


@pytest.fixture
def admins(group, liwei, wangfang, zhangmin):
    """Wang Fang and Zhang Min are admins of Li Wei's group."""
    for person in (wangfang, zhangmin):
        services.group_set_admin(actor=liwei, conversation=group, user_id=person.pk, admin=True)
    return wangfang, zhangmin


def test_admin_cannot_remove_the_owner(group, admins, liwei, published_events):
    admin, _other = admins
    before = _state(group)
    with published_events() as sent, pytest.raises(DomainError):
        services.group_remove_member(actor=admin, conversation=group, user_id=liwei.pk)
    assert _state(group) == before
    assert sent == []


def test_admin_cannot_remove_another_admin(group, admins, published_events):
    admin, other = admins
    before = _state(group)
    with published_events() as sent, pytest.raises(DomainError):
        services.group_remove_member(actor=admin, conversation=group, user_id=other.pk)
    assert _state(group) == before
    assert sent == []


# The wallet's two cards, with the payloads it posts (apps/wallet/services/transfers.py, packets.py).
CARDS = {
    "wallet_packet": {
        "packet": 1,
        "note": "Best wishes",
        "kind": "lucky",
        "state": "open",
        "exclusive_to": None,
    },
    "wallet_transfer": {
        "transfer": 1,
        "amount": 520,
        "note": "",
        "state": "pending",
        "sender": 0,
        "recipient": 0,
    },
}


@pytest.mark.parametrize("kind", sorted(CARDS))
def test_money_cards_cannot_be_recalled(kind, direct, liwei, published_events):
    from apps.chat import cards

    assert cards.is_card(kind), f"the wallet no longer registers {kind!r}"
    card = services.message_post_card(sender=liwei, conversation=direct, kind=kind, payload=CARDS[kind])
    before = _state(direct)
    with published_events() as sent, pytest.raises(DomainError) as refused:
        services.message_recall(actor=liwei, message_id=card.pk)
    assert refused.value.code == "forbidden"
    assert _state(direct) == before
    assert sent == []


def test_delete_for_me_needs_membership_of_the_chat(direct, liwei, zhangmin, published_events):
    message = services.message_send(sender=liwei, conversation=direct, text="just us")
    with published_events() as sent, pytest.raises(NotFound):
        services.message_hide(actor=zhangmin, message_id=message.pk)
    assert not HiddenMessage.objects.exists()
    assert sent == []
