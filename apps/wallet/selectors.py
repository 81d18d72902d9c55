"""Reads: the statement, a record's detail, the monthly chart, transfers, packets and merchants."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, IntegerField, Sum, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.chat import selectors as chat_selectors
from apps.core import clock
from apps.core.errors import NotFound

from .models import Account, Entry, Grab, Merchant, RedPacket, Transaction, Transfer
from .money import yuan

FILTERS = {
    "all": None,
    "topup": [Transaction.Kind.TOPUP, Transaction.Kind.SEED],
    "withdraw": [Transaction.Kind.WITHDRAW],
    "transfer": [
        Transaction.Kind.TRANSFER,
        Transaction.Kind.TRANSFER_ACCEPT,
        Transaction.Kind.TRANSFER_RETURN,
        Transaction.Kind.TRANSFER_EXPIRE,
    ],
    "packet": [Transaction.Kind.PACKET, Transaction.Kind.PACKET_GRAB, Transaction.Kind.PACKET_REFUND],
    "payment": [Transaction.Kind.PAYMENT],
}


def filter_labels() -> list[tuple[str, str]]:
    return [
        ("all", _("All")),
        ("topup", _("Top up")),
        ("withdraw", _("Withdraw")),
        ("transfer", _("Transfers")),
        ("packet", _("Red packets")),
        ("payment", _("QR payments")),
    ]


def person_account(user: User) -> Account | None:
    return Account.objects.filter(owner=user, kind=Account.Kind.PERSON).first()


def balance_of(user: User) -> int:
    account = person_account(user)
    return account.balance if account else 0


@dataclass
class Record:
    entry: Entry
    title: str
    amount: int
    created_at: datetime

    @property
    def pk(self):
        return self.entry.transaction_id

    @property
    def shown(self) -> str:
        return yuan(self.amount, sign=True)


def title_of(txn: Transaction, amount: int, viewer: User) -> str:
    """What the record is called in `viewer`'s statement."""
    k = Transaction.Kind
    t, p, pay = txn.transfer, txn.packet, txn.payment
    if txn.kind == k.TOPUP:
        return _("Top up")
    if txn.kind == k.WITHDRAW:
        return _("Withdraw")
    if txn.kind == k.SEED:
        return _("Opening balance (demo)")
    if txn.kind == k.TRANSFER and t:
        return _("Transfer to %(name)s") % {"name": t.recipient.display_name}
    if txn.kind == k.TRANSFER_ACCEPT and t:
        return _("Transfer from %(name)s") % {"name": t.sender.display_name}
    if txn.kind in (k.TRANSFER_RETURN, k.TRANSFER_EXPIRE) and t:
        return _("Transfer refund from %(name)s") % {"name": t.recipient.display_name}
    if txn.kind == k.PACKET:
        return _("Red packet sent")
    if txn.kind == k.PACKET_GRAB and p:
        return _("Red packet from %(name)s") % {"name": p.sender.display_name}
    if txn.kind == k.PACKET_REFUND:
        return _("Red packet refund")
    if txn.kind == k.PAYMENT and pay:
        if amount < 0:
            to = pay.merchant.display_name if pay.merchant else pay.payee.display_name
            return _("Paid to %(name)s") % {"name": to}
        return _("Received from %(name)s") % {"name": pay.payer.display_name}
    return txn.get_kind_display()


_RELATED = Entry.objects.select_related(
    "transaction",
    "transaction__transfer__sender",
    "transaction__transfer__recipient",
    "transaction__packet__sender",
    "transaction__payment__payer",
    "transaction__payment__payee",
    "transaction__payment__merchant",
)


def _entries(user: User):
    return _RELATED.filter(account__owner=user, account__kind=Account.Kind.PERSON).order_by(
        "-transaction__created_at", "-id"
    )


def statement(
    user: User, *, kind: str = "all", month: str = "", direction: str = "", limit: int = 200
) -> list[Record]:
    """The person's records, newest first, filtered by kind, month ("2026-11") and direction (in/out)."""
    qs = _entries(user)
    kinds = FILTERS.get(kind)
    if kinds:
        qs = qs.filter(transaction__kind__in=kinds)
    if direction == "in":
        qs = qs.filter(amount__gt=0)
    elif direction == "out":
        qs = qs.filter(amount__lt=0)
    if month:
        try:
            start = datetime.strptime(month, "%Y-%m").replace(tzinfo=timezone.get_current_timezone())
        except ValueError:
            start = None
        if start:
            end = (
                start.replace(year=start.year + 1, month=1)
                if start.month == 12
                else start.replace(month=start.month + 1)
            )
            qs = qs.filter(transaction__created_at__gte=start, transaction__created_at__lt=end)
    rows = qs[:limit] if limit else qs
    return [
        Record(e, title_of(e.transaction, e.amount, user), e.amount, e.transaction.created_at) for e in rows
    ]


def access_record(*, user: User, pk) -> Record:
    """One of the person's records (by transaction id); NotFound for a missing or foreign one."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    # Found by transaction, then checked here: filtered by owner too, the database walks the person's whole
    # history (the account's index) to find one row, so the page slowed as people paid.
    if not 0 < pk < 2**63:
        raise NotFound()
    lines = _RELATED.filter(transaction_id=pk).select_related("account").order_by("id")
    entry = next(
        (e for e in lines if e.account.owner_id == user.pk and e.account.kind == Account.Kind.PERSON), None
    )
    if entry is None:
        raise NotFound()
    return Record(
        entry, title_of(entry.transaction, entry.amount, user), entry.amount, entry.transaction.created_at
    )


def monthly(user: User, months: int = 6) -> list[dict]:
    """Money in and out per month for the last `months` months (for the bar chart)."""
    now = timezone.localtime(clock.now())
    keys = []
    y, m = now.year, now.month
    for _i in range(months):
        keys.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    keys.reverse()
    start = datetime(keys[0][0], keys[0][1], 1, tzinfo=timezone.get_current_timezone())
    rows = (
        Entry.objects.filter(
            account__owner=user, account__kind=Account.Kind.PERSON, transaction__created_at__gte=start
        )
        .annotate(month=TruncMonth("transaction__created_at"))
        .values("month")
        .annotate(
            inflow=Sum(Case(When(amount__gt=0, then="amount"), default=0, output_field=IntegerField())),
            outflow=Sum(Case(When(amount__lt=0, then="amount"), default=0, output_field=IntegerField())),
        )
    )
    by_month = {}
    for row in rows:
        month = timezone.localtime(row["month"]) if timezone.is_aware(row["month"]) else row["month"]
        by_month[(month.year, month.month)] = (int(row["inflow"] or 0), -int(row["outflow"] or 0))
    return [
        {"year": y, "month": m, "in": by_month.get((y, m), (0, 0))[0], "out": by_month.get((y, m), (0, 0))[1]}
        for y, m in keys
    ]


def chart_svg_data(series: list[dict], *, width: int = 340, height: int = 160) -> dict:
    """Bar geometry for the monthly in/out chart (drawn server-side as inline SVG)."""
    top = max([1] + [max(s["in"], s["out"]) for s in series])
    slot = width / max(1, len(series))
    bar = min(16, slot / 3)
    plot = height - 28
    bars = []
    for i, s in enumerate(series):
        x = i * slot + slot / 2
        hin = round(plot * s["in"] / top, 1)
        hout = round(plot * s["out"] / top, 1)
        bars.append(
            {
                "x_in": round(x - bar - 1, 1),
                "x_out": round(x + 1, 1),
                "y_in": round(plot - hin + 4, 1),
                "y_out": round(plot - hout + 4, 1),
                "h_in": hin,
                "h_out": hout,
                "w": round(bar, 1),
                "label_x": round(x, 1),
                "label": date_format(datetime(s["year"], s["month"], 1), "M"),
                "in": yuan(s["in"]),
                "out": yuan(s["out"]),
            }
        )
    return {"bars": bars, "width": width, "height": height, "label_y": height - 6, "top": yuan(top)}


# A page shows what a transfer or packet is, and never settles it: refunds are the sweep's work
# (the periodic job wallet.expire_due) or the work of the action that meets them (accept, grab), never a GET's.


def transfer_status(t: Transfer) -> str:
    """The transfer's state as shown: a pending one past its 24 hours is expired, refunded or not yet."""
    if t.status == Transfer.Status.PENDING and t.expires_at <= clock.now():
        return Transfer.Status.EXPIRED
    return t.status


def packet_status(p: RedPacket) -> str:
    """The packet's state as shown: an open one past its 24 hours is expired, refunded or not yet."""
    if p.status == RedPacket.Status.OPEN and p.expires_at <= clock.now():
        return RedPacket.Status.EXPIRED
    return p.status


@dataclass
class PacketView:
    packet: RedPacket
    status: str  # as shown (packet_status)
    grabs: list[Grab]
    mine: Grab | None
    best: Grab | None
    taken_in: int | None  # seconds

    @property
    def taken_total(self) -> int:
        return sum(g.amount for g in self.grabs)

    @property
    def refund(self) -> int:
        """What the sender gets (or got) back of an expired packet."""
        if self.packet.status == RedPacket.Status.EXPIRED:
            return self.packet.refunded
        return self.packet.remaining_amount if self.status == RedPacket.Status.EXPIRED else 0


def packet_view(packet: RedPacket, viewer: User) -> PacketView:
    grabs = list(Grab.objects.filter(packet=packet).select_related("user").order_by("index"))
    mine = next((g for g in grabs if g.user_id == viewer.pk), None)
    best = None
    taken_in = None
    if packet.status == RedPacket.Status.EMPTY and packet.kind == RedPacket.Kind.LUCKY and len(grabs) > 1:
        best = max(grabs, key=lambda g: (g.amount, -g.index))
    if packet.status == RedPacket.Status.EMPTY and packet.finished_at:
        taken_in = max(0, int((packet.finished_at - packet.created_at).total_seconds()))
    return PacketView(packet, packet_status(packet), grabs, mine, best, taken_in)


def grabbed_ids(user: User, packet_ids: list[int]) -> list[int]:
    return list(Grab.objects.filter(user=user, packet_id__in=packet_ids).values_list("packet_id", flat=True))


def access_transfer(*, user: User, pk) -> Transfer:
    """A transfer `user` sent or received; the same NotFound for a forged or foreign id."""
    try:
        t = Transfer.objects.select_related("sender", "recipient").get(pk=int(pk))
    except (Transfer.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if user.pk not in (t.sender_id, t.recipient_id):
        raise NotFound()
    return t


def access_packet(*, user: User, pk) -> RedPacket:
    """A red packet in one of the person's chats (also one they left); the same NotFound for a forged or
    foreign id."""
    try:
        p = RedPacket.objects.select_related("sender", "exclusive_to").get(pk=int(pk))
    except (RedPacket.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound(_("This red packet was not found.")) from None
    if p.sender_id != user.pk:
        try:
            chat_selectors.access_membership(user=user, pk=p.conversation_id, include_inactive=True)
        except NotFound:
            raise NotFound(_("This red packet was not found.")) from None
    return p


def merchants():
    return Merchant.objects.select_related("owner", "account").order_by("pk")


def access_merchant(*, slug: str) -> Merchant:
    """A merchant's page is public to every signed-in person."""
    merchant = merchants().filter(slug=slug).first()
    if merchant is None:
        raise NotFound()
    return merchant
