"""Reading and typing: read receipts, unread counts and the "typing..." hint."""

from django.db import transaction

from apps.accounts.models import User
from apps.chat import selectors
from apps.chat.models import Membership
from apps.core import badges, ratelimit
from apps.core.events import publish

from .sending import parse_id


def conversation_read(*, actor: User, conversation_id, seq) -> int:
    """Mark the chat read up to `seq`; members see it unless the reader turned read receipts off."""
    membership = selectors.access_membership(user=actor, pk=conversation_id)
    conv = membership.conversation
    seq = min(parse_id(seq), conv.last_seq)
    with transaction.atomic():
        updated = Membership.objects.filter(pk=membership.pk, last_read_seq__lt=seq).update(last_read_seq=seq)
        if updated:
            recipients = selectors.member_ids(conv) if actor.send_read_receipts else [actor.pk]
            publish(
                user_ids=recipients,
                type="chat.read",
                data={"conversation": conv.pk, "user": actor.pk, "seq": seq},
            )
            badges.publish_for(actor)
    return seq


def conversation_typing(*, actor: User, conversation_id) -> None:
    """Tell the other person in a 1:1 chat that you are typing (not stored)."""
    membership = selectors.access_membership(user=actor, pk=conversation_id)
    conv = membership.conversation
    if conv.is_group:
        return
    if not ratelimit.hit(f"chat.typing:{actor.pk}", limit=20, window=10).allowed:
        return
    others = [uid for uid in selectors.member_ids(conv) if uid != actor.pk]
    publish(user_ids=others, type="chat.typing", data={"conversation": conv.pk, "user": actor.pk})
