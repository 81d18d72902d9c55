"""The wallet: a double-entry ledger in integer fen (demo money), payment PINs, transfers, red packets."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core import clock


class Account(models.Model):
    """Somewhere money can be. `balance` is a cache of the sum of its entries (wallet_audit checks it)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Balance")
        MERCHANT = "merchant", _("Merchant")
        BANK = "bank", _("Demo bank")
        HOLDING = "holding", _("Holding")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wallet_accounts",
    )
    balance = models.BigIntegerField(default=0)  # fen
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="bank") | Q(balance__gte=0), name="wallet_account_balance_not_negative"
            ),
            models.UniqueConstraint(
                fields=["owner"], condition=Q(kind="person"), name="wallet_one_person_account_per_user"
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind__in=["bank", "holding"]), name="wallet_one_bank_one_holding"
            ),
        ]

    def __str__(self):
        return f"{self.kind}#{self.pk}"


class Merchant(models.Model):
    """A shop that takes QR payments into its own merchant account."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=60)
    name_zh = models.CharField(max_length=60, blank=True)
    tagline = models.CharField(max_length=120, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="merchants")
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="merchant")

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        """The shop's name in the reader's language (Chinese name when reading Chinese)."""
        from django.utils import translation

        if self.name_zh and (translation.get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name


class Transfer(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")
        EXPIRED = "expired", _("Expired")

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="transfers_sent"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="transfers_received"
    )
    amount = models.BigIntegerField()
    note = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)  # the chat card, when sent from a chat

    class Meta:
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="wallet_transfer_amount_positive")
        ]

    def __str__(self):
        return f"transfer#{self.pk} {self.amount}"


class RedPacket(models.Model):
    class Kind(models.TextChoices):
        NORMAL = "normal", _("Normal red packet")
        LUCKY = "lucky", _("Lucky red packet")
        EXCLUSIVE = "exclusive", _("Exclusive red packet")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        EMPTY = "empty", _("All taken")
        EXPIRED = "expired", _("Expired")

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="packets_sent"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    total = models.BigIntegerField()
    count = models.PositiveIntegerField()
    note = models.CharField(max_length=40, blank=True)
    conversation_id = models.BigIntegerField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)
    exclusive_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    remaining_amount = models.BigIntegerField()
    remaining_count = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    seed = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    refunded = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(remaining_amount__gte=0), name="wallet_packet_remaining_ok"),
            models.CheckConstraint(condition=Q(total__gte=models.F("count")), name="wallet_packet_min_share"),
        ]

    def __str__(self):
        return f"packet#{self.pk} {self.total}/{self.count}"


class Grab(models.Model):
    packet = models.ForeignKey(RedPacket, on_delete=models.PROTECT, related_name="grabs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    index = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["packet", "user"], name="wallet_one_grab_per_person"),
            models.UniqueConstraint(fields=["packet", "index"], name="wallet_one_share_per_index"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="wallet_grab_positive"),
        ]
        ordering = ["index"]

    def __str__(self):
        return f"grab#{self.pk} {self.amount}"


class PacketShare(models.Model):
    """One share of a red packet, split when the packet is sent; a grab claims the first free one.

    Grabs take shares, not turns: each claim locks only its own row, so a storm's claims run side by side."""

    packet = models.ForeignKey(RedPacket, on_delete=models.PROTECT, related_name="shares")
    position = models.PositiveIntegerField()  # the order shares are handed out in (the Grab's index)
    amount = models.BigIntegerField()
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["packet", "position"], name="wallet_share_position"),
            # NULLs are distinct: any number of free shares, one claimed share per person.
            models.UniqueConstraint(fields=["packet", "claimed_by"], name="wallet_one_share_per_person"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="wallet_share_positive"),
        ]

    def __str__(self):
        return f"share#{self.pk} {self.amount}"


class Payment(models.Model):
    """A QR payment to a person or a merchant."""

    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments_made"
    )
    payee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments_got")
    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.PROTECT)
    amount = models.BigIntegerField()
    note = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self):
        return f"payment#{self.pk} {self.amount}"


class Transaction(models.Model):
    """One movement of money: balanced entries, applied all at once or not at all."""

    class Kind(models.TextChoices):
        TOPUP = "topup", _("Top up")
        WITHDRAW = "withdraw", _("Withdraw")
        TRANSFER = "transfer", _("Transfer")
        TRANSFER_ACCEPT = "transfer_accept", _("Transfer received")
        TRANSFER_RETURN = "transfer_return", _("Transfer returned")
        TRANSFER_EXPIRE = "transfer_expire", _("Transfer refund")
        PACKET = "packet", _("Red packet")
        PACKET_GRAB = "packet_grab", _("Red packet received")
        PACKET_REFUND = "packet_refund", _("Red packet refund")
        PAYMENT = "payment", _("QR payment")
        SEED = "seed", _("Opening balance")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    initiator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=80)
    # What the request asked for (see ledger.fingerprint): a replay of the key must ask the same.
    request_hash = models.CharField(max_length=64, blank=True, default="")
    memo = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, default="done")
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    fee = models.BigIntegerField(default=0)
    transfer = models.ForeignKey(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="txns"
    )
    packet = models.ForeignKey(
        RedPacket, null=True, blank=True, on_delete=models.PROTECT, related_name="txns"
    )
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="txns")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["initiator", "idempotency_key"],
                condition=Q(initiator__isnull=False),
                name="wallet_idempotency_per_initiator",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(initiator__isnull=True),
                name="wallet_idempotency_system",
            ),
        ]

    def __str__(self):
        return f"{self.kind}#{self.pk}"


class Entry(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()  # signed fen: + into the account, - out of it
    balance_after = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["account", "-id"])]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="wallet_entry_not_zero")]

    def __str__(self):
        return f"entry#{self.pk} {self.amount}"


class PaymentProfile(models.Model):
    """A person's payment PIN (hashed), its lock-out, the simulated bank card and lifetime withdrawals."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payment_profile"
    )
    pin_hash = models.CharField(max_length=200, blank=True)
    failed_attempts = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    card_bank = models.CharField(max_length=40, default="Demo Bank")
    card_last4 = models.CharField(max_length=4, default="8888")
    withdrawn_total = models.BigIntegerField(default=0)

    def __str__(self):
        return f"payment profile of {self.user_id}"
