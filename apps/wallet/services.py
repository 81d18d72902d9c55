"""Every money-moving action. Each one: rate-limited, PIN-checked, idempotent (a retry with the same key
and the same details returns the first result and moves nothing again; the same key with other details is
refused) and posted through `ledger.ledger_post`.
"""

import contextlib
import re
import secrets
import threading
import zoneinfo
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.selectors import are_friends, is_blocked_between
from apps.chat import selectors as chat_selectors
from apps.chat import services as chat
from apps.chat.models import Conversation, Membership, Message
from apps.core import clock, ratelimit
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.core.events import publish

from . import split
from .ledger import (
    DuplicateRequest,
    InsufficientBalance,
    find_existing,
    fingerprint,
    ledger_post,
    system_account,
)
from .models import Account, Grab, Merchant, Payment, PaymentProfile, RedPacket, Transaction, Transfer
from .money import BadAmount, parse_amount, yuan
from .pin import pin_hash_make, pin_hash_matches

MAX_PAYMENT = 50_000_00  # one transfer, payment, top-up or withdrawal: ¥50,000
PACKET_MAX = 200_00
PACKET_MAX_SPECIAL = 520_00  # 14 Feb and 20 May
PACKET_MAX_SHARES = 100
HOLD_FOR = timedelta(hours=24)
PIN_TRIES = 5
PIN_LOCK = timedelta(hours=3)
FREE_WITHDRAWAL = 1_000_00
PAY_LIMIT, PAY_WINDOW = 30, 60  # money-moving attempts per person per minute
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

__all__ = ["BadAmount", "InsufficientBalance"]


class PinError(DomainError):
    code = "pin"


class PinLocked(DomainError):
    code = "pin_locked"


class TooLate(DomainError):
    code = "too_late"


# --- Accounts and PIN ------------------------------------------------------------------------------


def account_for(user: User) -> Account:
    """The person's balance account (created on first use)."""
    account = Account.objects.filter(owner=user, kind=Account.Kind.PERSON).first()
    if account is None:
        try:
            with transaction.atomic():
                account = Account.objects.create(owner=user, kind=Account.Kind.PERSON, created_at=clock.now())
        except IntegrityError:
            account = Account.objects.get(owner=user, kind=Account.Kind.PERSON)
    return account


def profile_for(user: User) -> PaymentProfile:
    profile, _created = PaymentProfile.objects.get_or_create(
        user=user, defaults={"card_last4": f"{(user.pk * 7919) % 10000:04d}"}
    )
    return profile


def _clean_pin(pin) -> str:
    pin = str(pin or "").strip()
    if not re.fullmatch(r"\d{6}", pin):
        raise PinError(_("The payment PIN is 6 digits."))
    return pin


def pin_set(*, actor: User, pin, confirm) -> None:
    """Set the payment PIN the first time."""
    pin = _clean_pin(pin)
    if pin != str(confirm or "").strip():
        raise PinError(_("The two PINs don't match."))
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise PinError(_("Choose a PIN that is harder to guess."))
    with transaction.atomic():
        profile = PaymentProfile.objects.select_for_update().get(pk=profile_for(actor).pk)
        if profile.pin_hash:
            raise PinError(_("Your payment PIN is set already; change it with your login password."))
        profile.pin_hash = pin_hash_make(pin)
        profile.save(update_fields=["pin_hash"])


def pin_change(*, actor: User, password, pin, confirm) -> None:
    """Replace the payment PIN, proven with the login password; also lifts a lock-out."""
    verdict = ratelimit.hit(f"wallet.pinchange:{actor.pk}", limit=5, window=900)
    if not verdict.allowed:
        raise RateLimited(retry_after=verdict.retry_after)
    if not actor.check_password(str(password or "")):
        raise PinError(_("Your login password is not right."))
    pin = _clean_pin(pin)
    if pin != str(confirm or "").strip():
        raise PinError(_("The two PINs don't match."))
    with transaction.atomic():
        profile = PaymentProfile.objects.select_for_update().get(pk=profile_for(actor).pk)
        profile.pin_hash = pin_hash_make(pin)
        profile.failed_attempts = 0
        profile.locked_until = None
        profile.save(update_fields=["pin_hash", "failed_attempts", "locked_until"])


def pin_check(*, actor: User, pin) -> None:
    """Verify the payment PIN, counting the try before checking it (a wrong one stays counted)."""
    pin = _clean_pin(pin)
    now = clock.now()
    mine = PaymentProfile.objects.filter(user_id=actor.pk)
    with transaction.atomic():
        # Reserve the try first: this conditional UPDATE holds the row until commit, so parallel tries
        # queue here and at most PIN_TRIES wrong ones are checked before the lock.
        reserved = (
            mine.exclude(pin_hash="")
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .update(failed_attempts=F("failed_attempts") + 1)
        )
        profile = mine.first()
        if reserved:
            matches, restore = pin_hash_matches(pin, profile.pin_hash)
            if matches:
                fields = {"pin_hash": pin_hash_make(pin)} if restore else {}
                mine.update(failed_attempts=0, locked_until=None, **fields)
                return
            left = PIN_TRIES - profile.failed_attempts
            if left <= 0:
                mine.update(failed_attempts=0, locked_until=now + PIN_LOCK)
    if profile is None or not profile.pin_hash:
        raise PinError(_("Set a payment PIN first."), code="pin_not_set")
    if not reserved:
        until = profile.locked_until or now + PIN_LOCK
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        raise PinLocked(
            _(
                "Too many wrong PINs: payments are locked for %(n)s more minutes. Reset your PIN in Wallet settings."
            )
            % {"n": minutes}
        )
    if left <= 0:
        raise PinLocked(
            _("Wrong PIN 5 times: payments are locked for 3 hours. Reset your PIN in Wallet settings.")
        )
    raise PinError(_("Wrong payment PIN. %(n)s tries left.") % {"n": left}, code="pin_wrong")


def has_pin(user: User) -> bool:
    return bool(profile_for(user).pin_hash)


# --- Request guard -----------------------------------------------------------------------------------


def new_key() -> str:
    """A fresh idempotency key for a form (hidden field) or a client request."""
    return secrets.token_urlsafe(18)


def _clean_key(key) -> str:
    key = str(key or "")
    if not _KEY.match(key):
        raise DomainError(_("This form has expired. Please try again."), code="bad_key")
    return key


class KeyReused(DomainError):
    code = "key_reused"

    def __init__(self):
        super().__init__(
            _(
                "This request key was already used for a different request. Nothing was moved: check the details."
            )
        )


def _replay(existing: Transaction, kind: str, request_hash: str) -> Transaction:
    """The first result, if `existing` was made by the same request; a different request is refused."""
    # An empty hash is a transaction stored before requests were fingerprinted: its kind must still match.
    if existing.kind != kind or (existing.request_hash and existing.request_hash != request_hash):
        raise KeyReused()
    return existing


def _guard(actor: User, key, pin, kind: str, request_hash: str) -> tuple[str, Transaction | None]:
    """Validate the key; return the first result of a retry, else rate-limit and check the PIN."""
    key = _clean_key(key)
    existing = find_existing(actor, key)
    if existing is not None:
        return key, _replay(existing, kind, request_hash)
    verdict = ratelimit.hit(f"wallet.pay:{actor.pk}", limit=PAY_LIMIT, window=PAY_WINDOW)
    if not verdict.allowed:
        raise RateLimited(
            _("Too many payment attempts. Please wait %(n)s s.") % {"n": verdict.retry_after},
            retry_after=verdict.retry_after,
        )
    pin_check(actor=actor, pin=pin)
    return key, None


def _once(actor: User, key: str, post, kind: str, request_hash: str):
    """Run `post()` (which calls ledger_post) atomically; a racing duplicate returns the first transaction
    (or is refused when it asked for something else)."""
    try:
        with transaction.atomic():
            return post()
    except DuplicateRequest as dup:
        return _replay(dup.existing, kind, request_hash)
    except IntegrityError:
        existing = find_existing(actor, key)
        if existing is None:
            raise
        return _replay(existing, kind, request_hash)


def _balance_changed(user: User, account: Account) -> None:
    """Tell the person's open tabs their new balance (the wallet page shows it live)."""
    publish(user_ids=[user.pk], type="wallet.balance", data={"balance": yuan(account.balance)})


# --- Top-up and withdrawal ---------------------------------------------------------------------------


def topup(*, actor: User, amount, pin, idempotency_key) -> Transaction:
    """Move `amount` from the person's demo bank card into their balance."""
    fen = parse_amount(amount, maximum=MAX_PAYMENT)
    kind = Transaction.Kind.TOPUP
    asked = fingerprint(kind, amount=fen)
    key, existing = _guard(actor, idempotency_key, pin, kind, asked)
    if existing:
        return existing
    profile = profile_for(actor)
    mine, bank = account_for(actor), system_account(Account.Kind.BANK)

    def post():
        txn = ledger_post(
            kind=Transaction.Kind.TOPUP,
            lines=[(bank, -fen), (mine, fen)],
            idempotency_key=key,
            initiator=actor,
            memo=f"{profile.card_bank} ({profile.card_last4})",
            request_hash=asked,
        )
        _balance_changed(actor, mine)
        return txn

    return _once(actor, key, post, kind, asked)


def withdrawal_fee(withdrawn_before: int, amount: int) -> int:
    """WeChat's rule: free up to ¥1,000 in a person's lifetime, then 0.1% (rounded up), at least ¥0.10."""
    free_left = max(0, FREE_WITHDRAWAL - withdrawn_before)
    charged = max(0, amount - free_left)
    if charged == 0:
        return 0
    return max(10, (charged + 999) // 1000)


def withdraw(*, actor: User, amount, pin, idempotency_key) -> Transaction:
    """Move `amount` (plus any fee) from the balance to the person's demo bank card."""
    fen = parse_amount(amount, maximum=MAX_PAYMENT)
    kind = Transaction.Kind.WITHDRAW
    asked = fingerprint(kind, amount=fen)
    key, existing = _guard(actor, idempotency_key, pin, kind, asked)
    if existing:
        return existing
    mine, bank = account_for(actor), system_account(Account.Kind.BANK)

    def post():
        profile = PaymentProfile.objects.select_for_update().get(user=actor)
        fee = withdrawal_fee(profile.withdrawn_total, fen)
        txn = ledger_post(
            kind=Transaction.Kind.WITHDRAW,
            lines=[(mine, -(fen + fee)), (bank, fen + fee)],
            idempotency_key=key,
            initiator=actor,
            memo=f"{profile.card_bank} ({profile.card_last4})",
            fee=fee,
            request_hash=asked,
        )
        PaymentProfile.objects.filter(pk=profile.pk).update(withdrawn_total=F("withdrawn_total") + fen)
        _balance_changed(actor, mine)
        return txn

    return _once(actor, key, post, kind, asked)


# --- Transfers ---------------------------------------------------------------------------------------


def _post_card(obj, *, sender: User, conversation, kind: str, payload: dict) -> None:
    """Post `obj`'s card (a transfer or red packet) in the chat and remember its message."""
    message = chat.message_post_card(sender=sender, conversation=conversation, kind=kind, payload=payload)
    type(obj).objects.filter(pk=obj.pk).update(message_id=message.pk)
    obj.message_id = message.pk


def _card(kind: str, obj, payload: dict) -> None:
    """Show the new state on the object's chat card, live on every member's screen."""
    if not obj.message_id:
        return
    message = Message.objects.filter(pk=obj.message_id).first()
    if message is not None:
        chat.message_card_update(message=message, payload={**message.payload, **payload})


def transfer_payload(t: Transfer) -> dict:
    return {
        "transfer": t.pk,
        "amount": t.amount,
        "note": t.note,
        "state": t.status,
        "sender": t.sender_id,
        "recipient": t.recipient_id,
    }


def transfer_create(*, actor: User, to: User, amount, note: str = "", pin, idempotency_key) -> Transfer:
    """Hold `amount` for friend `to` for 24 hours and post a transfer card in the chat of the two."""
    if to is None or to.pk == actor.pk:
        raise DomainError(_("You can't transfer money to yourself."), code="self")
    if not to.is_active or not are_friends(actor, to) or is_blocked_between(actor, to):
        raise NotFound(_("You can only transfer money to a friend."))
    fen = parse_amount(amount, maximum=MAX_PAYMENT)
    note = str(note or "").strip()[:60]
    kind = Transaction.Kind.TRANSFER
    asked = fingerprint(kind, to=to.pk, amount=fen, note=note)
    key, existing = _guard(actor, idempotency_key, pin, kind, asked)
    if existing:
        return existing.transfer
    mine, holding = account_for(actor), system_account(Account.Kind.HOLDING)

    def post():
        now = clock.now()
        t = Transfer.objects.create(
            sender=actor, recipient=to, amount=fen, note=note, created_at=now, expires_at=now + HOLD_FOR
        )
        txn = ledger_post(
            kind=Transaction.Kind.TRANSFER,
            lines=[(mine, -fen), (holding, fen)],
            idempotency_key=key,
            initiator=actor,
            memo=note,
            transfer=t,
            request_hash=asked,
        )
        conv = chat.conversation_direct_get_or_create(a=actor, b=to)
        _post_card(t, sender=actor, conversation=conv, kind="wallet_transfer", payload=transfer_payload(t))
        _balance_changed(actor, mine)
        publish(user_ids=[to.pk], type="wallet.transfer", data={"transfer": t.pk, "amount": yuan(fen)})
        return txn

    return _once(actor, key, post, kind, asked).transfer


def _access_transfer(user: User, pk) -> Transfer:
    try:
        t = Transfer.objects.select_related("sender", "recipient").get(pk=int(pk))
    except (Transfer.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if user.pk not in (t.sender_id, t.recipient_id):
        raise NotFound()
    return t


def _settle_transfer(
    t: Transfer, *, status: str, to: User, kind: str, initiator: User | None, key: str
) -> bool:
    """Move a pending transfer to `status` and its money to `to`; False when it was settled already."""
    with transaction.atomic():
        now = clock.now()
        target = account_for(to)
        changed = Transfer.objects.filter(pk=t.pk, status=Transfer.Status.PENDING).update(
            status=status, resolved_at=now
        )
        if not changed:
            return False
        ledger_post(
            kind=kind,
            lines=[(system_account(Account.Kind.HOLDING), -t.amount), (target, t.amount)],
            idempotency_key=key,
            initiator=initiator,
            transfer=t,
        )
        t.status, t.resolved_at = status, now
        _card("wallet_transfer", t, {"state": status})
        _balance_changed(to, target)
        publish(
            user_ids=[t.sender_id, t.recipient_id],
            type="wallet.transfer",
            data={"transfer": t.pk, "state": status},
        )
    return True


def transfer_accept(*, actor: User, pk) -> Transfer:
    """Take a transfer sent to you (money arrives in your balance)."""
    return _transfer_answer(actor, pk, status=Transfer.Status.ACCEPTED, kind=Transaction.Kind.TRANSFER_ACCEPT)


def transfer_return(*, actor: User, pk) -> Transfer:
    """Send a transfer back to its sender."""
    return _transfer_answer(actor, pk, status=Transfer.Status.RETURNED, kind=Transaction.Kind.TRANSFER_RETURN)


def _transfer_answer(actor: User, pk, *, status: str, kind: str) -> Transfer:
    """The recipient settles a pending transfer once: accepted (to them) or returned (to the sender)."""
    t = _access_transfer(actor, pk)
    transfer_expire_if_due(t)
    if t.recipient_id != actor.pk:
        if status == Transfer.Status.ACCEPTED:
            raise DomainError(_("Only the recipient can accept a transfer."), code="forbidden")
        raise DomainError(_("Only the recipient can return a transfer."), code="forbidden")
    to = actor if status == Transfer.Status.ACCEPTED else t.sender
    if t.status != Transfer.Status.PENDING or not _settle_transfer(
        t, status=status, to=to, kind=kind, initiator=None, key=f"transfer-{t.pk}-settle"
    ):
        t.refresh_from_db()
        if t.status != status:  # a retry of the same answer is not an error
            raise DomainError(_("This transfer was %(state)s.") % {"state": t.get_status_display().lower()})
    return t


def transfer_expire_if_due(t: Transfer) -> bool:
    """Refund a pending transfer to its sender once its 24 hours are over."""
    if t.status != Transfer.Status.PENDING or t.expires_at > clock.now():
        return False
    done = _settle_transfer(
        t,
        status=Transfer.Status.EXPIRED,
        to=t.sender,
        kind=Transaction.Kind.TRANSFER_EXPIRE,
        initiator=None,
        key=f"transfer-{t.pk}-settle",
    )
    t.refresh_from_db()
    return done


# --- Red packets -------------------------------------------------------------------------------------


def packet_cap(now=None) -> int:
    """¥200 a packet, ¥520 on 14 Feb and 20 May (China time)."""
    local = (now or clock.now()).astimezone(SHANGHAI)
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
    key, existing = _guard(actor, idempotency_key, pin, Transaction.Kind.PACKET, asked)
    if existing:
        return existing.packet
    mine, holding = account_for(actor), system_account(Account.Kind.HOLDING)

    def post():
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
        txn = ledger_post(
            kind=Transaction.Kind.PACKET,
            lines=[(mine, -total), (holding, total)],
            idempotency_key=key,
            initiator=actor,
            memo=note,
            packet=p,
            request_hash=asked,
        )
        _post_card(p, sender=actor, conversation=conv, kind="wallet_packet", payload=packet_payload(p))
        _balance_changed(actor, mine)
        return txn

    return _once(actor, key, post, Transaction.Kind.PACKET, asked).packet


def access_packet(*, user: User, pk) -> RedPacket:
    """A red packet in one of the person's chats; the same NotFound for a forged or foreign id."""
    try:
        p = RedPacket.objects.select_related("sender", "exclusive_to").get(pk=int(pk))
    except (RedPacket.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("This red packet was not found.")) from None
    if (
        p.sender_id != user.pk
        and not Membership.objects.filter(conversation_id=p.conversation_id, user=user).exists()
    ):
        raise NotFound(_("This red packet was not found."))
    return p


_GRAB_READ = """
SELECT p.*,
  EXISTS (SELECT 1 FROM {membership} m
          WHERE m.conversation_id = p.conversation_id AND m.user_id = %s AND m.active) AS is_member,
  EXISTS (SELECT 1 FROM {conversation} c WHERE c.id = p.conversation_id AND c.kind = %s) AS is_direct,
  (SELECT g.id FROM {grab} g WHERE g.packet_id = p.id AND g.user_id = %s) AS my_grab
FROM {packet} p WHERE p.id = %s
"""


def _packet_for_grab(actor: User, pk) -> RedPacket:
    """One read: the packet, whether `actor` is an active member of its chat, their grab, if the chat is 1:1."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    if pk is None or not 0 < pk < 2**63:
        raise NotFound(_("This red packet was not found."))
    # Raw SQL: in a storm of grabs this read answers most of them, and building the same query with
    # Exists/Subquery costs the ORM some 40 times the query itself.
    sql = _GRAB_READ.format(
        membership=Membership._meta.db_table,
        conversation=Conversation._meta.db_table,
        grab=Grab._meta.db_table,
        packet=RedPacket._meta.db_table,
    )
    found = list(RedPacket.objects.raw(sql, [actor.pk, Conversation.Kind.DIRECT, actor.pk, pk]))
    if not found or not found[0].is_member:
        # the same answer for a forged id, a stranger and a member who left
        raise NotFound(_("This red packet was not found."))
    return found[0]


def _grab_refusal(p: RedPacket, actor: User, *, is_direct: bool) -> DomainError | None:
    """Why `actor` can't take a share of `p` as it stands, or None."""
    if p.exclusive_to_id and p.exclusive_to_id != actor.pk:
        return DomainError(_("This exclusive red packet is for someone else."), code="not_yours")
    if p.sender_id == actor.pk and is_direct:
        return DomainError(_("The red packet is waiting for your friend to open it."), code="not_yours")
    if p.status == RedPacket.Status.EXPIRED:
        return TooLate(_("This red packet has expired."), code="expired")
    if p.remaining_count == 0 or p.status != RedPacket.Status.OPEN:
        return TooLate(_("Too late: all red packets have been taken."))
    return None


# In one process, the grabs of a packet queue here (striped by packet id) rather than at SQLite's write
# lock, whose waiters poll with growing sleeps and, once in, hold the database-wide lock even to hear "too
# late". The database's lock stays the truth between processes.
_GRAB_QUEUES = [threading.Lock() for _ in range(64)]


def _grab_read(actor: User, pk) -> tuple[RedPacket, Grab | None]:
    """From one read: the person's earlier grab, a refusal (raised), or the open packet to claim from."""
    p = _packet_for_grab(actor, pk)
    if p.my_grab:
        return p, Grab.objects.get(pk=p.my_grab)
    packet_expire_if_due(p)
    refusal = _grab_refusal(p, actor, is_direct=p.is_direct)
    if refusal is not None:
        raise refusal
    return p, None


def packet_grab(*, actor: User, pk) -> Grab:
    """Open a red packet: your share (the same one again if you opened it before), or TooLate."""
    # Most of a storm is answered by a read, without the write lock: SQLite's IMMEDIATE transactions take
    # the database-wide lock even to say "too late".
    p, earlier = _grab_read(actor, pk)
    if earlier is not None:
        return earlier
    with _GRAB_QUEUES[p.pk % len(_GRAB_QUEUES)]:
        p, earlier = _grab_read(actor, p.pk)  # as the grabbers ahead in the queue left it
        if earlier is not None:
            return earlier
        with transaction.atomic():  # short: the claim and its ledger lines only
            locked = RedPacket.objects.select_for_update().get(pk=p.pk)  # one grab at a time per packet
            grab = Grab.objects.filter(packet=locked, user=actor).first()
            if grab is not None:
                return grab
            refusal = _grab_refusal(locked, actor, is_direct=p.is_direct)
            if refusal is not None:
                raise refusal
            mine = account_for(actor)  # here, not before: only the people who get a share need an account
            grab = _claim_share(locked, actor, mine, system_account(Account.Kind.HOLDING))
    last = grab.index + 1 == locked.count
    if last:
        locked.status = RedPacket.Status.EMPTY
        _card("wallet_packet", locked, {"state": RedPacket.Status.EMPTY})
    # The details page follows the packet: its sender sees every grab; once all are taken, everyone who
    # grabbed sees the final list and the best-luck mark (not every member on every grab: a storm would
    # cost members × shares deliveries).
    watchers = [
        locked.sender_id,
        *(Grab.objects.filter(packet=locked).values_list("user_id", flat=True) if last else []),
    ]
    publish(
        user_ids=watchers,
        type="wallet.packet",
        data={"packet": locked.pk, "taken": grab.index + 1, "count": locked.count},
    )
    _balance_changed(actor, mine)
    return grab


def _claim_share(p: RedPacket, actor: User, mine: Account, holding: Account) -> Grab:
    """Take the next share of locked, open packet `p` into `actor`'s balance (inside the caller's transaction)."""
    amount = split.share_for(
        kind=p.kind,
        total=p.total,
        count=p.count,
        remaining=p.remaining_amount,
        remaining_count=p.remaining_count,
        seed=p.seed,
    )
    now = clock.now()
    index = p.count - p.remaining_count
    last = p.remaining_count == 1
    # Conditional on the counts just read: if two claims ever met here, only one would move money.
    updated = RedPacket.objects.filter(
        pk=p.pk,
        remaining_count=p.remaining_count,
        remaining_amount__gte=amount,
        status=RedPacket.Status.OPEN,
    ).update(
        remaining_count=F("remaining_count") - 1,
        remaining_amount=F("remaining_amount") - amount,
        status=RedPacket.Status.EMPTY if last else RedPacket.Status.OPEN,
        finished_at=now if last else None,
    )
    if updated != 1:
        raise TooLate(_("Too late: all red packets have been taken."))
    grab = Grab.objects.create(packet=p, user=actor, amount=amount, index=index, created_at=now)
    ledger_post(
        kind=Transaction.Kind.PACKET_GRAB,
        lines=[(holding, -amount), (mine, amount)],
        idempotency_key=f"packet-{p.pk}-grab-{actor.pk}",
        initiator=None,
        packet=p,
    )
    return grab


def packet_expire_if_due(p: RedPacket) -> bool:
    """Return the unclaimed money of a packet to its sender once its 24 hours are over."""
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
            _balance_changed(locked.sender, target)
        _card("wallet_packet", locked, {"state": RedPacket.Status.EXPIRED})
    p.refresh_from_db()
    return True


def wallet_expire_due(*, limit: int = 200) -> dict[str, int]:
    """Apply every due expiry (transfers and red packets); safe to run from several processes at once."""
    now = clock.now()
    done = {"transfers": 0, "packets": 0}
    for t in Transfer.objects.filter(status=Transfer.Status.PENDING, expires_at__lte=now).order_by("pk")[
        :limit
    ]:
        with contextlib.suppress(DuplicateRequest):
            done["transfers"] += int(transfer_expire_if_due(t))
    for p in RedPacket.objects.filter(status=RedPacket.Status.OPEN, expires_at__lte=now).order_by("pk")[
        :limit
    ]:
        with contextlib.suppress(DuplicateRequest):
            done["packets"] += int(packet_expire_if_due(p))
    return done


# --- QR payments -------------------------------------------------------------------------------------


def payment_create(
    *,
    actor: User,
    payee: User,
    merchant: Merchant | None = None,
    amount,
    note: str = "",
    pin,
    idempotency_key,
) -> Payment:
    """Pay a person's or a merchant's receive code; both sides hear of it at once."""
    if merchant is not None:
        payee = merchant.owner
    if payee is None or not payee.is_active:
        raise NotFound(_("This receive code is not valid."))
    if merchant is None and payee.pk == actor.pk:
        raise DomainError(_("You can't pay yourself."), code="self")
    if merchant is not None and merchant.owner_id == actor.pk:
        raise DomainError(_("You can't pay your own shop."), code="self")
    if merchant is None and is_blocked_between(actor, payee):
        raise NotFound(_("This receive code is not valid."))
    fen = parse_amount(amount, maximum=MAX_PAYMENT)
    note = str(note or "").strip()[:60]
    kind = Transaction.Kind.PAYMENT
    asked = fingerprint(
        kind, payee=payee.pk, merchant=merchant.pk if merchant else None, amount=fen, note=note
    )
    key, existing = _guard(actor, idempotency_key, pin, kind, asked)
    if existing:
        return existing.payment
    source = account_for(actor)
    target = merchant.account if merchant is not None else account_for(payee)

    def post():
        payment = Payment.objects.create(
            payer=actor, payee=payee, merchant=merchant, amount=fen, note=note, created_at=clock.now()
        )
        txn = ledger_post(
            kind=Transaction.Kind.PAYMENT,
            lines=[(source, -fen), (target, fen)],
            idempotency_key=key,
            initiator=actor,
            memo=note,
            payment=payment,
            request_hash=asked,
        )
        name = merchant.name if merchant else payee.display_name
        received = {"amount": yuan(fen), "from": actor.display_name, "to": name, "payment": payment.pk}
        if merchant is None:  # the payee's own balance changed (a merchant's takings are shown on its page)
            received["balance"] = yuan(target.balance)
        publish(user_ids=[payee.pk], type="wallet.received", data=received)
        publish(
            user_ids=[actor.pk],
            type="wallet.paid",
            data={"amount": yuan(fen), "to": name, "payment": payment.pk, "balance": yuan(source.balance)},
        )
        return txn

    return _once(actor, key, post, kind, asked).payment
