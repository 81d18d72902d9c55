"""Sample wallet: balances, some history, two merchants, a pending transfer and an open red packet
in the Workshop 2026 group. Idempotent: every step uses a fixed idempotency key."""

from datetime import timedelta

from django.db import transaction

from apps.accounts.models import User
from apps.chat import selectors as chat_selectors
from apps.core import clock
from apps.core.errors import DomainError

from . import services
from .ledger import find_existing, ledger_post, system_account
from .models import (
    Account,
    Entry,
    Grab,
    Merchant,
    PacketShare,
    Payment,
    PaymentProfile,
    RedPacket,
    Transaction,
    Transfer,
)
from .pin import pin_hash_make

DEMO_PIN = "123456"  # the sample people's payment PIN (shown on payment forms in demo mode)
OPENING = {
    "liwei": 1_888_00, "wangfang": 1_200_00, "zhangmin": 660_00, "chenjing": 520_00, "liuyang": 300_00,
    "zhaolei": 450_00, "sunli": 800_00, "zhouxin": 150_00, "emma": 1_000_00, "james": 900_00,
    "sophie": 700_00, "tom": 250_00,
}  # fmt: skip
MERCHANTS = [
    (
        "jasmine-tea",
        "Jasmine Tea House",
        "茉莉茶坊",
        "Milk tea, fruit tea, jasmine green · 奶茶 果茶",
        "sunli",
    ),
    (
        "lanzhou-noodles",
        "Lanzhou Noodle Bar",
        "兰州拉面馆",
        "Hand-pulled beef noodles · 手工牛肉拉面",
        "zhaolei",
    ),
]


def _user(name):
    return User.objects.filter(username=name).first()


def _seed_payment(payer, merchant, fen, note, key, days_ago):
    """A past QR payment (backdated history), posted through the ledger like any other."""
    if find_existing(payer, key):
        return
    with clock.travel(-timedelta(days=days_ago)), transaction.atomic():
        payment = Payment.objects.create(
            payer=payer,
            payee=merchant.owner,
            merchant=merchant,
            amount=fen,
            note=note,
            created_at=clock.now(),
        )
        ledger_post(
            kind=Transaction.Kind.PAYMENT,
            lines=[(services.account_for(payer), -fen), (merchant.account, fen)],
            idempotency_key=key,
            initiator=payer,
            memo=note,
            payment=payment,
        )


def seed() -> None:
    """Give the cast balances, history, merchants, a pending transfer and an open red packet."""
    people = {u.username: u for u in User.objects.filter(username__in=OPENING)}
    if not people:
        return
    bank = system_account(Account.Kind.BANK)
    system_account(Account.Kind.HOLDING)
    for name, fen in OPENING.items():
        user = people.get(name)
        if user is None:
            continue
        profile = services.profile_for(user)
        if not profile.pin_hash:
            PaymentProfile.objects.filter(pk=profile.pk).update(pin_hash=pin_hash_make(DEMO_PIN))
        key = f"seed-opening-{name}"
        if not find_existing(user, key):
            with clock.travel(-timedelta(days=150)):
                ledger_post(
                    kind=Transaction.Kind.SEED,
                    lines=[(bank, -fen), (services.account_for(user), fen)],
                    idempotency_key=key,
                    initiator=user,
                    memo="Demo Bank",
                )
    merchants = {}
    for slug, name, name_zh, tagline, owner in MERCHANTS:
        m = Merchant.objects.filter(slug=slug).first()
        if m is None and people.get(owner):
            account = Account.objects.create(kind=Account.Kind.MERCHANT, owner=people[owner])
            m = Merchant.objects.create(
                slug=slug, name=name, name_zh=name_zh, tagline=tagline, owner=people[owner], account=account
            )
        merchants[slug] = m
    history = [
        ("liwei", "jasmine-tea", 18_00, "Jasmine milk tea", 100),
        ("liwei", "lanzhou-noodles", 26_00, "Beef noodles", 70),
        ("wangfang", "jasmine-tea", 32_00, "2 × fruit tea", 45),
        ("liwei", "jasmine-tea", 15_50, "", 20),
        ("emma", "lanzhou-noodles", 28_00, "Noodles + egg", 12),
        ("liwei", "lanzhou-noodles", 24_00, "拉面", 3),
    ]
    for i, (payer, slug, fen, note, days) in enumerate(history):
        if people.get(payer) and merchants.get(slug):
            _seed_payment(people[payer], merchants[slug], fen, note, f"seed-pay-{i}", days)
    if people.get("liwei"):
        services.topup(
            actor=people["liwei"], amount=200_00, pin=DEMO_PIN, idempotency_key="seed-topup-liwei-1"
        )
    # A transfer liwei -> wangfang (accepted) and one wangfang -> liwei still pending.
    wangfang, liwei = people.get("wangfang"), people.get("liwei")
    if wangfang and liwei:
        try:
            old = services.transfer_create(
                actor=liwei,
                to=wangfang,
                amount=50_00,
                note="Movie tickets 🎬",
                pin=DEMO_PIN,
                idempotency_key="seed-transfer-old",
            )
            services.transfer_accept(actor=wangfang, pk=old.pk)
            services.transfer_create(
                actor=wangfang,
                to=liwei,
                amount=88_00,
                note="Lunch 🍜",
                pin=DEMO_PIN,
                idempotency_key="seed-transfer-pending",
            )
        except DomainError:  # no friendship or chat yet: the wallet works without these
            pass
    _seed_packet(people)


def _seed_packet(people) -> None:
    liwei = people.get("liwei")
    if liwei is None:
        return
    group = next((g for g in chat_selectors.groups_of(liwei) if g.name == "Workshop 2026"), None)
    if group is None:
        return
    packet = services.packet_create(
        actor=liwei, conversation_id=group.pk, kind=RedPacket.Kind.LUCKY, amount=66_00, count=8,
        note="Welcome to the workshop! 欢迎！", pin=DEMO_PIN, idempotency_key="seed-packet-workshop",
    )  # fmt: skip
    for name in ("james", "wangfang"):
        if people.get(name) and not Grab.objects.filter(packet=packet, user=people[name]).exists():
            services.packet_grab(actor=people[name], pk=packet.pk)


def unseed() -> None:
    """Remove all wallet data (the demo's ledger starts over)."""
    Entry.objects.all().delete()
    Transaction.objects.all().delete()
    Grab.objects.all().delete()
    PacketShare.objects.all().delete()
    Payment.objects.all().delete()
    RedPacket.objects.all().delete()
    Transfer.objects.all().delete()
    Merchant.objects.all().delete()
    Account.objects.all().delete()
    PaymentProfile.objects.all().delete()
