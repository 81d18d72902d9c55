from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

public_id_validator = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9_-]{5,19}$",
    _("6 to 20 characters: letters, digits, _ or -, starting with a letter."),
)


class User(AbstractUser):
    """A person: login name, public profile and privacy settings in one row (read on every page)."""

    class Gender(models.TextChoices):
        UNSET = "", _("Not set")
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    class Verified(models.TextChoices):
        NO = "", _("Not verified")
        PERSON = "person", _("Verified person (orange V)")
        ORGANISATION = "organisation", _("Verified organisation (blue V)")

    display_name = models.CharField(_("name"), max_length=40)
    public_id = models.CharField(
        _("public ID"),
        max_length=20,
        unique=True,
        validators=[public_id_validator],
        help_text=_("Others find you by this ID, like a WeChat ID. It can be changed once a year."),
    )
    public_id_changed_at = models.DateTimeField(null=True, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    bio = models.CharField(_("what's up"), max_length=120, blank=True)
    region = models.CharField(_("region"), max_length=60, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Bumped by "Reset QR code": tokens carry the version they were made with.
    qr_version = models.PositiveIntegerField(default=1)
    findable_by_id = models.BooleanField(_("Others can find me by my ID"), default=True)
    addable_by_qr = models.BooleanField(_("Others can add me by scanning my QR code"), default=True)
    send_read_receipts = models.BooleanField(_("Send read receipts"), default=True)
    # Weibo's V, set by moderators: orange for a person, blue for an organisation (a brand's account).
    verified = models.CharField(_("verified"), max_length=12, choices=Verified.choices, blank=True)

    class Meta(AbstractUser.Meta):
        # The few deactivated people, for lists that leave them out without joining every user (People Nearby).
        indexes = [models.Index(fields=["id"], condition=Q(is_active=False), name="user_inactive")]

    def __str__(self):
        return self.display_name or self.username

    @property
    def initials(self) -> str:
        name = (self.display_name or self.username).strip()
        if not name:
            return "?"
        if name.isascii():
            parts = name.split()
            return "".join(p[0] for p in parts[:2]).upper()
        return name[-2:] if len(name) >= 3 else name[-1]

    @property
    def avatar_colour(self) -> int:
        return sum(map(ord, self.username)) % 8


class FriendRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Added")
        DECLINED = "declined", _("Declined")

    class Source(models.TextChoices):
        SEARCH = "search", _("Search by ID")
        QR = "qr", _("Scanned QR code")
        PROFILE = "profile", _("Profile")
        NEARBY = "nearby", _("People Nearby")  # "Say hi" from People Nearby or Shake

    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(_("verification message"), max_length=60, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SEARCH)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_user", "to_user"],
                condition=Q(status="pending"),
                name="one_pending_request_per_pair",
            ),
            models.CheckConstraint(condition=~Q(from_user=F("to_user")), name="no_request_to_self"),
        ]
        indexes = [models.Index(fields=["to_user", "status"])]

    def __str__(self):
        return f"{self.from_user} → {self.to_user} ({self.status})"


class Friendship(models.Model):
    """One direction of a friendship: `owner` has `friend` in their contacts, under an optional remark.

    Friends are two rows. Like WeChat, deleting a friend removes only your row; the other person
    finds out when they next try to message you.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="friendships")
    friend = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    remark = models.CharField(_("remark"), max_length=40, blank=True)
    source = models.CharField(max_length=10, choices=FriendRequest.Source.choices, default="search")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "friend"], name="one_friendship_per_direction"),
            models.CheckConstraint(condition=~Q(owner=F("friend")), name="no_friendship_with_self"),
        ]

    def __str__(self):
        return f"{self.owner} → {self.friend}"


class Block(models.Model):
    blocker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    # Blocked from where the blocker never saw their public ID (a drift-bottle chat): the blocked list then
    # shows name and avatar only, and unblocking goes by this row, not by the ID.
    anonymous = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="one_block_per_pair"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="no_block_of_self"),
        ]

    def __str__(self):
        return f"{self.blocker} ⊘ {self.blocked}"
