"""Joining the workshop by one scan: the console's code, a display name, and the attendee is in.

The code is a signed token (apps.core.tokens) carrying the version of the one JoinCode row: renewing bumps the
version (every old picture of the code stops working), closing refuses every token. A join makes a quick
account (no email; an unusable password, so no password hash is computed: a hash per join would stall a room
of 300); `welcome` makes it the host's friend and a member of the workshop group chat, and `fund` gives it
demo money from the demo bank through the ledger. The view logs the new account in directly.
"""

import contextlib
import secrets
import unicodedata

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import FriendRequest, User
from apps.accounts.selectors import are_friends
from apps.accounts.services import friend_request_accept, friend_request_send
from apps.chat import selectors as chat_selectors
from apps.chat.models import Conversation, Membership
from apps.chat.services.conversations import group_add_members
from apps.core import clock, ratelimit, tokens
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.wallet import services as wallet
from apps.wallet.ledger import DuplicateRequest, find_existing, ledger_post, system_account
from apps.wallet.models import Account, Transaction

from . import access
from .models import Attendee, JoinCode

TOKEN_KIND = "workshop.join"  # noqa: S105 - the signing salt's name, not a secret
NAME_MAX = 24  # characters: a name the room reads on the projector and in the group
GROUP_NAME = "Workshop 2026"  # the sample group the chat seed makes (the workshop seed makes it if missing)
STARTING_BALANCE = 200_00  # fen: enough to send a few red packets
FUNDING_KEY = "workshop-welcome"  # one opening balance per person (the ledger's idempotency key)
ACTIONS = ("close", "open", "renew")


# --- The code ---------------------------------------------------------------------------------------


def join_code() -> JoinCode:
    code = JoinCode.objects.filter(pk=1).first()
    if code is None:
        try:
            with transaction.atomic():
                code = JoinCode.objects.create(pk=1, changed_at=clock.now())
        except IntegrityError:  # a racing first join made it
            code = JoinCode.objects.get(pk=1)
    return code


def token_for(code: JoinCode) -> str:
    return tokens.sign(TOKEN_KIND, {"v": code.version})


def code_change(*, actor, action: str) -> JoinCode:
    """A host closes, opens or renews the code (renewing also opens it)."""
    access.check_host(actor)
    if action not in ACTIONS:
        raise DomainError(_("Choose what to do with the join code."), code="malformed")
    join_code()
    with transaction.atomic():
        code = JoinCode.objects.select_for_update().get(pk=1)
        if action == "renew":
            code.version += 1
        code.is_open = action != "close"
        code.changed_at = clock.now()
        code.save()
    return code


def code_check(token: str) -> JoinCode:
    """The open code `token` was made from; a clear DomainError for a closed, replaced or foreign code."""
    if not access.enabled():
        raise NotFound()
    body = tokens.unsign(TOKEN_KIND, token or "")
    code = join_code()
    if not code.is_open:
        raise DomainError(_("Joining is closed for now. Ask the presenter to open it again."), code="closed")
    if body.get("v") != code.version:
        raise DomainError(
            _("This code has been replaced by a new one. Scan the code on the screen again."), code="renewed"
        )
    return code


# --- Joining ----------------------------------------------------------------------------------------


def clean_name(text) -> str:
    """The name as the room will see it: spaces collapsed, control characters dropped, 1 to NAME_MAX long."""
    name = "".join(ch for ch in str(text or "") if unicodedata.category(ch)[0] != "C" or ch in " \t\n")
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Type the name the room will see."), code="name_missing")
    if len(name) > NAME_MAX:
        raise DomainError(
            _("A name can be at most %(n)d characters.") % {"n": NAME_MAX}, code="name_too_long"
        )
    return name


def join(*, token: str, name: str, address: str, language: str = "") -> tuple[User, Conversation | None]:
    """A new quick account named `name`, welcomed (see `welcome`); the caller logs it in. Rate-limited per
    address: a room on one Wi-Fi may share one, so the limit is a room's size (settings)."""
    code = code_check(token)
    display_name = clean_name(name)
    limit, window = settings.WORKSHOP_JOIN_LIMIT_PER_ADDRESS
    verdict = ratelimit.hit(f"workshop-join:{address}", limit=limit, window=window)
    if not verdict.allowed:
        raise RateLimited(
            _("Many people have joined from this network. Please try again in a few minutes."),
            retry_after=verdict.retry_after,
        )
    with transaction.atomic():
        user = User(
            username=_free_username(),
            display_name=display_name,
            language=language[:10],
            date_joined=clock.now(),
        )
        user.public_id = user.username
        user.set_unusable_password()  # no hash computed: "!" and random text
        user.save()
        Attendee.objects.create(user=user, joined_at=clock.now(), code_version=code.version)
        group = welcome(user)
    fund(user)
    return user, group


def join_as(*, user: User, token: str) -> Conversation | None:
    """Someone already logged in opens the code: they just join (friends, group, money; each once)."""
    code_check(token)
    with transaction.atomic():
        group = welcome(user)
    fund(user)
    return group


def _free_username() -> str:
    # 48 random bits: a collision would need millions of attendees; the unique index is the last word.
    return f"guest_{secrets.token_hex(6)}"


def presenter() -> User | None:
    """The host attendees meet: the oldest demo host of the hosts' group."""
    return access.hosts().first()


def workshop_group(host: User) -> Conversation | None:
    """The workshop group chat: the group named GROUP_NAME the host is in."""
    return chat_selectors.groups_of(host).filter(name=GROUP_NAME).order_by("pk").first()


def welcome(
    user: User, *, host: User | None = None, group: Conversation | None = None
) -> Conversation | None:
    """Make `user` the host's friend and a member of the workshop group; `fund` gives the money after the
    caller's commit, in a transaction of its own, so the two rows every join locks (the group's, the demo
    bank's) are never held together. Each step happens once however often this runs (a second scan).
    Returns the group (None if there is no host or no group)."""
    host = host or presenter()
    if host is None or host.pk == user.pk:
        return None
    if not are_friends(user, host):
        request = friend_request_send(sender=user, recipient=host, source=FriendRequest.Source.QR)
        if request.status == FriendRequest.Status.PENDING:
            friend_request_accept(actor=host, request_id=request.pk)
    group = group or workshop_group(host)
    if (
        group is not None
        and not Membership.objects.filter(conversation=group, user=user, active=True).exists()
    ):
        group_add_members(actor=host, conversation=group, user_ids=[user.pk])
    return group


def fund(user: User) -> None:
    """The starting balance, once per person: a ledger entry from the demo bank (never a bare balance write)."""
    if find_existing(user, FUNDING_KEY):
        return
    with contextlib.suppress(DuplicateRequest):  # a second tab of the same person got there first
        ledger_post(
            kind=Transaction.Kind.SEED,
            lines=[
                (system_account(Account.Kind.BANK), -STARTING_BALANCE),
                (wallet.account_for(user), STARTING_BALANCE),
            ],
            idempotency_key=FUNDING_KEY,
            initiator=user,
            memo="Demo Bank",
        )


def attendees_count() -> int:
    return Attendee.objects.count()
