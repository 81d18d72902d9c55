import itertools

import pytest
from django.contrib.auth.hashers import make_password

from apps.core import clock
from apps.wallet import services
from apps.wallet.models import PaymentProfile

PIN = "135790"
_keys = itertools.count()


def key() -> str:
    return f"test-key-{next(_keys):06d}"


@pytest.fixture
def pin_for():
    """`pin_for(*users)`: give them the test PIN (hashed cheaply)."""

    def give(*users):
        for user in users:
            profile = services.profile_for(user)
            PaymentProfile.objects.filter(pk=profile.pk).update(pin_hash=make_password(PIN))

    return give


@pytest.fixture
def fund(pin_for):
    """`fund(user, fen)`: a PIN and a top-up of `fen`."""

    def give(user, fen):
        pin_for(user)
        services.topup(actor=user, amount=fen, pin=PIN, idempotency_key=key())
        return services.account_for(user)

    return give


@pytest.fixture
def workshop(cast):
    """A group chat with the whole cast (members added directly: not everyone is liwei's friend)."""
    from apps.chat.models import Conversation, Membership

    owner = cast["liwei"]
    others = [u for name, u in cast.items() if name != "liwei"]
    conv = Conversation.objects.create(
        kind=Conversation.Kind.GROUP, name="Workshop", owner=owner, created_at=clock.now()
    )
    for i, u in enumerate([owner, *others]):
        Membership.objects.create(
            conversation=conv, user=u, role="owner" if i == 0 else "member", joined_at=clock.now()
        )
    return conv
