"""Red packets: hold the money, post the card, hand out shares to grabbers, refund what is left."""

import contextlib
import secrets
import threading

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.chat import selectors as chat_selectors
from apps.chat import services as chat
from apps.chat.models import Conversation
from apps.core import clock
from apps.core.errors import DomainError, NotFound
from apps.core.events import publish
from apps.wallet import selectors, split
from apps.wallet.ledger import fingerprint, ledger_post, system_account
from apps.wallet.models import Account, Grab, PacketShare, RedPacket, Transaction
from apps.wallet.money import BadAmount, parse_amount, yuan

from .accounts import account_create, account_for, balance_changed
from .cards import HOLD_FOR, card_post, card_update
from .grab_read import packet_for_grab
from .guard import guarded_post

PACKET_MAX = 200_00
PACKET_MAX_SPECIAL = 520_00  # 14 Feb and 20 May
PACKET_MAX_SHARES = 100


class TooLate(DomainError):
    code = "too_late"


def packet_cap(now=None) -> int:
    """¥200 a packet, ¥520 on 14 Feb and 20 May (China time)."""
    local = clock.calendar(now)
    return PACKET_MAX_SPECIAL if (local.month, local.day) in ((2, 14), (5, 20)) else PACKET_MAX


def packet_payload(p: RedPacket) -> dict:
    return {
        "packet": p.pk,
        "note": p.note,
        "kind": p.kind,
        "state": p.status,
        "exclusive_to": p.exclusive_to_id,
    }


def packet_create(
    *,
    actor: User,
    conversation_id,
    kind: str,
    amount,
    count=1,
    note: str = "",
    exclusive_to_id=None,
    pin,
    idempotency_key,
    seed: int | None = None,
) -> RedPacket:
    """Hold the money for a red packet and post its card in the chat.

    `amount` is the total for lucky and exclusive packets, and each share for a normal packet.
    """
    if kind not in RedPacket.Kind.values:
        raise DomainError(_("Choose a kind of red packet."))
    try:
        conv = chat_selectors.access_conversation(user=actor, pk=conversation_id)
    except NotFound:
        raise NotFound(_("That chat was not found.")) from None
    members = set(chat_selectors.member_ids(conv))
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise DomainError(_("Enter the number of red packets.")) from None
    exclusive_to = None
    if kind == RedPacket.Kind.EXCLUSIVE:
        count = 1
        try:
            exclusive_id = int(exclusive_to_id)
        except (TypeError, ValueError):
            raise DomainError(_("Choose who the exclusive red packet is for.")) from None
        if exclusive_id == actor.pk or exclusive_id not in members or not conv.is_group:
            raise DomainError(_("An exclusive red packet is for another member of this group."))
        exclusive_to = User.objects.get(pk=exclusive_id)
    if not 1 <= count <= PACKET_MAX_SHARES:
        raise DomainError(_("A red packet has 1 to %(n)s shares.") % {"n": PACKET_MAX_SHARES})
    if not conv.is_group and count != 1:
        raise DomainError(_("A red packet in a one-to-one chat has one share."))
    cap = packet_cap()
    fen = parse_amount(amount, maximum=cap)
    total = fen * count if kind == RedPacket.Kind.NORMAL else fen
    if total > cap:
        raise BadAmount(_("A red packet can hold at most %(max)s in all.") % {"max": yuan(cap)})
    if total < count:
        raise BadAmount(_("Every share must be at least ¥0.01."))
    note = str(note or "").strip()[:40]
    asked = fingerprint(
        Transaction.Kind.PACKET,
        conversation=conv.pk,
        packet_kind=kind,
        total=total,
        count=count,
        note=note,
        exclusive_to=exclusive_to.pk if exclusive_to else None,
    )
    note = note or _t("Best wishes")  # after the fingerprint: a retry in another language is the same request

    def post(key):
        mine, holding = account_for(actor), system_account(Account.Kind.HOLDING)
        now = clock.now()
        p = RedPacket.objects.create(
            sender=actor,
            kind=kind,
            total=total,
            count=count,
            note=note,
            conversation_id=conv.pk,
            exclusive_to=exclusive_to,
            remaining_amount=total,
            remaining_count=count,
            seed=secrets.randbits(40) if seed is None else seed,
            created_at=now,
            expires_at=now + HOLD_FOR,
        )
        amounts = split.remaining_shares(
            kind=kind, total=total, count=count, remaining=total, remaining_count=count, seed=p.seed
        )
        PacketShare.objects.bulk_create(
            PacketShare(packet=p, position=i, amount=amount) for i, amount in enumerate(amounts)
        )
        txn = ledger_post(
            kind=Transaction.Kind.PACKET,
            lines=[(mine, -total), (holding, total)],
            idempotency_key=key,
            initiator=actor,
            memo=note,
            packet=p,
            request_hash=asked,
            savepoint=False,
        )
        card_post(p, sender=actor, conversation=conv, kind="wallet_packet", payload=packet_payload(p))
        balance_changed(actor, mine)
        return txn

    return guarded_post(actor, idempotency_key, pin, Transaction.Kind.PACKET, asked, post).packet


def grab_refusal(p: RedPacket, actor: User, *, is_direct: bool) -> DomainError | None:
    """Why `actor` can't take a share of `p` as it stands, or None (the grab and the card's "Open" ask this)."""
    if p.exclusive_to_id and p.exclusive_to_id != actor.pk:
        return DomainError(_("This exclusive red packet is for someone else."), code="not_yours")
    if p.sender_id == actor.pk and is_direct:
        return DomainError(_("The red packet is waiting for your friend to open it."), code="not_yours")
    status = selectors.packet_status(p)  # expired by the clock even before the sweep refunds it
    if status == RedPacket.Status.EXPIRED:
        return TooLate(_("This red packet has expired."), code="expired")
    if p.remaining_count == 0 or status != RedPacket.Status.OPEN:
        return TooLate(_("Too late: all red packets have been taken."))
    return None


# On SQLite one writer holds the whole database, even to say "too late": in one process the grabs of a
# packet queue here (striped by packet id) and read the packet again when their turn comes, so only those
# who get a share write. PostgreSQL's claims lock one share each and run side by side: a queue there would
# only make them take turns (measured: tests/wallet/bench_packet_storm.py).
_GRAB_QUEUES = [threading.Lock() for _ in range(64)]
_QUEUED_VENDORS = {"sqlite"}


def _grab_read(actor: User, pk) -> RedPacket:
    """From one read: the packet, with the person's earlier grab (`my_grab`), or a refusal (raised)."""
    p = packet_for_grab(actor, pk)
    if p.my_grab is None:
        packet_expire_if_due(p)
        refusal = grab_refusal(p, actor, is_direct=p.is_direct)
        if refusal is not None:
            raise refusal
    return p


def packet_grab(*, actor: User, pk) -> Grab:
    """Open a red packet: your share (the same one again if you opened it before), or TooLate."""
    # Most of a storm is answered by a read, without a write.
    p = _grab_read(actor, pk)
    if p.my_grab is not None:
        return p.my_grab
    queued = connection.vendor in _QUEUED_VENDORS
    with _GRAB_QUEUES[p.pk % len(_GRAB_QUEUES)] if queued else contextlib.nullcontext():
        if queued:
            p = _grab_read(actor, p.pk)  # as the grabbers ahead in the queue left it
            if p.my_grab is not None:
                return p.my_grab
        try:
            with transaction.atomic():  # short, and the packet's row only at its end
                mine, holding = _grab_accounts(actor)  # here: only the people who get a share need an account
                grab, left = _claim_share(p, actor, mine, holding)
        except IntegrityError:  # the same person's grab from another tab took a share a moment earlier
            p = packet_for_grab(actor, p.pk)
            if p.my_grab is None:
                raise
            return p.my_grab
    last = left == 0
    if last:
        p.status = RedPacket.Status.EMPTY
        card_update(p, {"state": RedPacket.Status.EMPTY})
    # The details page follows the packet: its sender sees every grab; once all are taken, everyone who
    # grabbed sees the final list and the best-luck mark (not every member on every grab: a storm would
    # cost members × shares deliveries).
    watchers = [
        p.sender_id,
        *(Grab.objects.filter(packet=p).values_list("user_id", flat=True) if last else []),
    ]
    publish(
        user_ids=watchers,
        type="wallet.packet",
        data={"packet": p.pk, "taken": p.count - left, "count": p.count},
    )
    balance_changed(actor, mine)
    return grab


def _grab_accounts(actor: User) -> tuple[Account, Account]:
    """The grabber's balance account and the holding account, from one read (either created on first use)."""
    found = {
        a.kind: a
        for a in Account.objects.filter(
            Q(owner_id=actor.pk, kind=Account.Kind.PERSON) | Q(owner=None, kind=Account.Kind.HOLDING)
        )
    }
    mine = found.get(Account.Kind.PERSON) or account_create(actor)
    return mine, found.get(Account.Kind.HOLDING) or system_account(Account.Kind.HOLDING)


def _post_opened(p: RedPacket, grabber: User) -> None:
    """The lines only the sender and the grabber see, as in WeChat: "You opened Li Wei's red packet" and
    "Wang Fang opened your red packet"."""
    if p.sender_id == grabber.pk:
        lines = {grabber.pk: [("packet_opened_own", {})]}
    else:
        lines = {
            grabber.pk: [("packet_grabbed", {"name": p.sender_name})],
            p.sender_id: [("packet_opened", {"name": str(grabber)})],
        }
    chat.notice_post(conversation=Conversation(pk=p.conversation_id), lines=lines)


# The first free share, locked and claimed in one statement. On PostgreSQL, SKIP LOCKED: a share another
# claim holds is passed over, not waited for (that claim may still roll back and free it). On SQLite the
# IMMEDIATE transaction has the database to itself. The outer condition keeps a share from being claimed
# twice should the lock ever be missing.
_CLAIM = """
UPDATE {share} SET claimed_by_id = %s, claimed_at = %s
WHERE id = (SELECT id FROM {share} WHERE packet_id = %s AND claimed_by_id IS NULL
            ORDER BY position LIMIT 1{skip_locked})
  AND claimed_by_id IS NULL
RETURNING position, amount
"""
# The packet's counts follow its shares. Its row is locked from here to the commit (the ledger lines), in the
# order the expiry sweep locks too (packet, then holding account); the claim that takes the last share
# turns it "all taken", once.
_TAKE = """
UPDATE {packet} SET remaining_count = remaining_count - 1, remaining_amount = remaining_amount - %s,
  status = CASE WHEN remaining_count = 1 THEN %s ELSE status END,
  finished_at = CASE WHEN remaining_count = 1 THEN %s ELSE finished_at END
WHERE id = %s AND status = %s AND expires_at > %s
RETURNING remaining_count
"""


def _claim_share(p: RedPacket, actor: User, mine: Account, holding: Account) -> tuple[Grab, int]:
    """Claim the first free share of `p` into `actor`'s balance (inside the caller's transaction); the grab
    and how many shares are left, or TooLate."""
    now = clock.now()
    at = connection.ops.adapt_datetimefield_value(now)
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM.format(share=PacketShare._meta.db_table, skip_locked=skip_locked), [actor.pk, at, p.pk]
        )
        row = cursor.fetchone()
    if row is None:
        raise TooLate(_("Too late: all red packets have been taken."))
    index, amount = row
    grab = Grab.objects.create(packet=p, user=actor, amount=amount, index=index, created_at=now)
    _post_opened(p, actor)
    with connection.cursor() as cursor:
        cursor.execute(
            _TAKE.format(packet=RedPacket._meta.db_table),
            [amount, RedPacket.Status.EMPTY, at, p.pk, RedPacket.Status.OPEN, at],
        )
        row = cursor.fetchone()
    if row is None:  # expired (or swept) since the read: its money goes back to the sender
        raise TooLate(_("This red packet has expired."), code="expired")
    left = row[0]
    ledger_post(
        kind=Transaction.Kind.PACKET_GRAB,
        lines=[(holding, -amount), (mine, amount)],
        idempotency_key=f"packet-{p.pk}-grab-{actor.pk}",
        initiator=None,
        packet=p,
        savepoint=False,  # the grab's transaction rolls back whole on any error
    )
    if left == 0:
        chat.notice_post(
            conversation=Conversation(pk=p.conversation_id), lines={p.sender_id: [("packet_emptied", {})]}
        )
    return grab, left


def packet_expire_if_due(p: RedPacket) -> bool:
    """Return the unclaimed money of a packet to its sender once its 24 hours are over (the sweep and a
    grab call this; a page never does)."""
    if p.status != RedPacket.Status.OPEN or p.expires_at > clock.now():
        return False
    with transaction.atomic():
        locked = (
            RedPacket.objects.select_for_update(skip_locked=True)
            .filter(pk=p.pk, status=RedPacket.Status.OPEN, expires_at__lte=clock.now())
            .first()
        )
        if locked is None:
            return False
        left = locked.remaining_amount
        RedPacket.objects.filter(pk=p.pk, status=RedPacket.Status.OPEN).update(
            status=RedPacket.Status.EXPIRED, refunded=left, remaining_amount=0, finished_at=clock.now()
        )
        if left:
            target = account_for(locked.sender)
            ledger_post(
                kind=Transaction.Kind.PACKET_REFUND,
                lines=[(system_account(Account.Kind.HOLDING), -left), (target, left)],
                idempotency_key=f"packet-{p.pk}-refund",
                initiator=None,
                packet=locked,
            )
            balance_changed(locked.sender, target)
        card_update(locked, {"state": RedPacket.Status.EXPIRED})
    p.refresh_from_db()
    return True


def packet_state(p: RedPacket, viewer: User) -> dict:
    """What the packet's card opens to for `viewer`: who sent it, their share, and whether they may open it."""
    view = selectors.packet_view(p, viewer)
    try:
        membership = chat_selectors.access_membership(user=viewer, pk=p.conversation_id)
    except NotFound:  # left the chat: they may look, not open
        membership = None
    can_open = (
        view.mine is None
        and membership is not None
        and grab_refusal(p, viewer, is_direct=not membership.conversation.is_group) is None
    )
    return {
        "packet": p.pk,
        # Straight to the details, as in WeChat, for whoever has a share and for the sender who can't grab.
        "opens_details": view.mine is not None or (p.sender_id == viewer.pk and not can_open),
        "state": selectors.packet_status(p),
        "sender": p.sender.display_name,
        "sender_initials": p.sender.initials,
        "note": p.note,
        "kind": p.kind,
        "mine": yuan(view.mine.amount) if view.mine else None,
        "can_open": can_open,
        "exclusive": p.exclusive_to.display_name if p.exclusive_to_id else "",
    }
