"""Conversations, who is in them, and their messages (ordered by a per-conversation sequence)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MAX_GROUP_MEMBERS = 500
MAX_JOIN_BY_CODE = 200  # as in WeChat, a group's invite code stops working above 200 members
MAX_TEXT = 2000


class Conversation(models.Model):
    """A 1:1 or group chat. `last_seq` is the sequence of its newest message (assigned under a row lock)."""

    class Kind(models.TextChoices):
        DIRECT = "direct", _("Chat")
        GROUP = "group", _("Group chat")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(_("group name"), max_length=40, blank=True)
    announcement = models.TextField(_("group announcement"), max_length=1000, blank=True)
    announcement_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "min_id:max_id" for a 1:1 chat, so two people share exactly one.
    direct_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    # Bumped to invalidate every invite code issued so far.
    invite_version = models.PositiveIntegerField(default=1)
    # The group's invitation in 8 characters to type (apps.chat.invites); dropped on reset.
    join_code = models.CharField(max_length=8, null=True, blank=True, unique=True)
    join_code_expires_at = models.DateTimeField(null=True, blank=True)
    # A drift bottle's reply opened it: strangers may talk, and until they are friends each sees only the
    # other's nickname, avatar and region (apps.chat.selectors.identity_masked). Either may end it.
    bottle = models.BooleanField(default=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self):
        return self.name or f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_group(self) -> bool:
        return self.kind == self.Kind.GROUP


class Membership(models.Model):
    """A person in a conversation: role, read position, and their own list settings."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    active = models.BooleanField(default=True)  # False once removed or left (history up to then stays)
    last_read_seq = models.PositiveBigIntegerField(default=0)
    mention_seq = models.PositiveBigIntegerField(default=0)  # newest message that @mentioned this person
    cleared_before_seq = models.PositiveBigIntegerField(default=0)  # "clear chat history" and join point
    left_seq = models.PositiveBigIntegerField(null=True, blank=True)  # sees nothing after this when inactive
    muted = models.BooleanField(_("mute notifications"), default=False)
    pinned = models.BooleanField(_("sticky on top"), default=False)
    hidden = models.BooleanField(default=False)  # removed from the chat list until the next message
    joined_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="one_membership_per_person"),
        ]
        indexes = [models.Index(fields=["user", "active"])]

    def __str__(self):
        return f"{self.user} in {self.conversation}"

    @property
    def is_admin(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class Message(models.Model):
    """One message. `kind` is text, image, sticker, system, pat, or a card kind registered in cards.py."""

    TEXT = "text"
    IMAGE = "image"
    STICKER = "sticker"
    SYSTEM = "system"
    PAT = "pat"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveBigIntegerField()
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - NULL: no idempotency key
    kind = models.CharField(max_length=32, default=TEXT)
    text = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    mentions = models.JSONField(default=list, blank=True)  # user ids, or ["all"]
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1)  # bumped when a card's payload changes
    recalled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="one_message_per_seq"),
            models.UniqueConstraint(
                fields=["sender", "client_id"],
                condition=Q(client_id__isnull=False),
                name="one_message_per_client_id",
            ),
            models.CheckConstraint(condition=Q(seq__gt=0), name="message_seq_positive"),
        ]

    def __str__(self):
        return f"#{self.seq} in {self.conversation_id}"

    @property
    def recalled(self) -> bool:
        return self.recalled_at is not None


class HiddenMessage(models.Model):
    """'Delete' on one message: gone for this person only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "message"], name="hide_message_once")]

    def __str__(self):
        return f"{self.message_id} hidden for {self.user_id}"


class ChatProfile(models.Model):
    """Chat-only settings of a person: the pat-pat suffix ("Li Wei patted Wang Fang's shoulder")."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_profile"
    )
    pat_suffix = models.CharField(_("pat-pat suffix"), max_length=20, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"chat profile of {self.user}"


class Notice(models.Model):
    """A grey line for one reader only ("Li Wei opened your red packet"), shown after message `after_seq`.

    It takes no seq of its own, so unread counts, the chat list and the other members are untouched.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    after_seq = models.PositiveBigIntegerField()  # the conversation's last_seq when it was posted
    payload = models.JSONField(default=dict)  # {"event": ..., "params": {...}}, from the reader's side
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["conversation", "user", "after_seq"])]

    def __str__(self):
        return f"notice for {self.user_id} after #{self.after_seq} in {self.conversation_id}"
