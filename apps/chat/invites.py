"""Group invites: the QR token, the short join code, resetting both, and an invite waiting for a log-in.

A group's QR code is a signed token (group, invite version, who shared it) valid for 7 days. Its join code
is the same invitation in 8 characters a person can type; it lives as long as the group's QR code is being
shown (7 days from the last showing). Resetting bumps the invite version and drops the join code, so every
QR code and join code issued before is refused. A logged-out person who chooses to join is remembered in
their session, and the join completes once they have signed up or logged in.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.chat import selectors, services
from apps.chat.models import MAX_JOIN_BY_CODE, Conversation, Membership
from apps.core import clock, ratelimit, tokens
from apps.core.errors import DomainError, NotFound, RateLimited

INVITE_KIND = "chat.invite"
INVITE_MAX_AGE = 7 * 24 * 3600
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: nothing to misread
JOIN_CODE_LENGTH = 8
CODE_TRIES, CODE_TRIES_WINDOW = 10, 600  # per network address: 31^8 codes can't be guessed at this pace
PENDING_KEY = "chat.pending_invite"


@dataclass(frozen=True)
class Invite:
    conversation: Conversation
    inviter: User
    token: str


# --- Who may do what -------------------------------------------------------------------------------------


def may_reset(membership: Membership) -> bool:
    """Owner and admins reset the group's QR code, as they manage the group's other settings."""
    return membership.active and membership.conversation.is_group and membership.is_admin


def closed_to_codes(member_count: int) -> bool:
    """Whether a group is too big to join by QR or join code (services refuse such joins, as WeChat does)."""
    return member_count >= MAX_JOIN_BY_CODE


def _group_membership(actor: User, conversation: Conversation) -> Membership:
    membership = selectors.access_membership(user=actor, pk=conversation.pk)
    if not membership.conversation.is_group:
        raise NotFound()
    return membership


# --- QR token ---------------------------------------------------------------------------------------------


def _sign(conversation: Conversation, inviter: User) -> str:
    return tokens.sign(
        INVITE_KIND, {"c": conversation.pk, "v": conversation.invite_version, "by": inviter.pk}
    )


def invite_token(*, actor: User, conversation: Conversation) -> str:
    """Return a fresh invite for the group's QR code (valid 7 days), shared by `actor`, a member."""
    membership = _group_membership(actor, conversation)
    return _sign(membership.conversation, actor)


def invite_read(token: str) -> Invite:
    """Return the invitation behind `token`, or raise InvalidToken saying why it is refused."""
    try:
        body = tokens.unsign(INVITE_KIND, token, max_age=INVITE_MAX_AGE)
    except tokens.InvalidToken as exc:
        if exc.code == "expired_token":
            raise tokens.InvalidToken(
                _("This group QR code has expired. Ask a member for a new one."), code="expired_token"
            ) from exc
        raise
    conversation = Conversation.objects.filter(pk=body.get("c"), kind=Conversation.Kind.GROUP).first()
    inviter = User.objects.filter(pk=body.get("by"), is_active=True).first()
    if conversation is None or inviter is None:
        raise tokens.InvalidToken(_("This code is not valid."))
    if conversation.invite_version != body.get("v"):
        raise tokens.InvalidToken(
            _("This group QR code has been reset. Ask a member for the new one."), code="reset_token"
        )
    if not Membership.objects.filter(conversation=conversation, user=inviter, active=True).exists():
        raise tokens.InvalidToken(_("This code is no longer valid: the person who shared it left the group."))
    return Invite(conversation, inviter, token)


# --- Join code --------------------------------------------------------------------------------------------


def _new_code() -> str:
    while True:  # 31^8 codes: a clash is rare, but the column is unique, so never hand one out twice
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _n in range(JOIN_CODE_LENGTH))
        if not Conversation.objects.filter(join_code=code).exists():
            return code


def join_code_for(*, actor: User, conversation: Conversation) -> tuple[str, datetime]:
    """Return the group's join code and its expiry, issuing a new code if there is none or it expired."""
    membership = _group_membership(actor, conversation)
    now = clock.now()
    expires = now + timedelta(seconds=INVITE_MAX_AGE)
    with transaction.atomic():
        conv = Conversation.objects.select_for_update().get(pk=membership.conversation.pk)
        if not conv.join_code or conv.join_code_expires_at is None or conv.join_code_expires_at <= now:
            conv.join_code = _new_code()
        conv.join_code_expires_at = expires
        conv.save(update_fields=["join_code", "join_code_expires_at"])
    return conv.join_code, expires


def normalize_code(raw: str) -> str:
    """What a person typed, as stored: capitals, without the spaces and dashes that help reading it."""
    return "".join(ch for ch in (raw or "").upper() if ch not in " -\t")


def join_code_read(code: str, *, address: str) -> Invite:
    """Return the invitation behind a typed join code (as a fresh QR token), or raise a DomainError."""
    verdict = ratelimit.hit(f"chat.join_code:{address}", limit=CODE_TRIES, window=CODE_TRIES_WINDOW)
    if not verdict.allowed:
        raise RateLimited(
            _("Too many join codes tried. Please wait %(n)s s.") % {"n": verdict.retry_after},
            retry_after=verdict.retry_after,
        )
    code = normalize_code(code)
    if len(code) != JOIN_CODE_LENGTH or any(ch not in JOIN_CODE_ALPHABET for ch in code):
        raise DomainError(
            _("A join code has %(n)s letters and digits, like ABCD 2345.") % {"n": JOIN_CODE_LENGTH},
            code="bad_code",
        )
    conversation = Conversation.objects.filter(join_code=code, kind=Conversation.Kind.GROUP).first()
    if conversation is None:
        raise DomainError(
            _("No group has this join code. Check it, or ask a member: the code may have been reset."),
            code="unknown_code",
        )
    if conversation.join_code_expires_at is None or conversation.join_code_expires_at <= clock.now():
        raise DomainError(_("This join code has expired. Ask a member for a new one."), code="expired_code")
    inviter = _code_inviter(conversation)
    if inviter is None:
        raise DomainError(_("This code is not valid."), code="unknown_code")
    ratelimit.release(verdict)  # only wrong codes count against the address
    return Invite(conversation, inviter, _sign(conversation, inviter))


def _code_inviter(conversation: Conversation) -> User | None:
    """A join code speaks for the group: its owner, else the longest-standing admin, else member."""
    members = Membership.objects.filter(conversation=conversation, active=True, user__is_active=True)
    first = (
        members.filter(user_id=conversation.owner_id).first()
        or members.order_by("role", "joined_at", "pk").first()  # "admin" sorts before "member"
    )
    return first.user if first else None


# --- Reset ------------------------------------------------------------------------------------------------


def invite_reset(*, actor: User, conversation: Conversation) -> Conversation:
    """Refuse every QR code and join code issued so far (owner and admins only)."""
    membership = _group_membership(actor, conversation)
    if not may_reset(membership):
        raise DomainError(_("Only the group owner and admins can reset the group QR code."), code="forbidden")
    Conversation.objects.filter(pk=conversation.pk).update(
        invite_version=F("invite_version") + 1, join_code=None, join_code_expires_at=None
    )
    conversation.refresh_from_db(fields=["invite_version", "join_code", "join_code_expires_at"])
    return conversation


# --- Joining, now or after log-in -------------------------------------------------------------------------


def group_join(*, actor: User, token: str) -> Conversation:
    """Join the group `token` invites to (refused above 200 members, as in WeChat)."""
    invite = invite_read(token)  # refuses with the reason (expired, reset, tampered) before any change
    return services.group_join_invited(actor=actor, conversation=invite.conversation, inviter=invite.inviter)


def is_member(user: User, conversation: Conversation) -> bool:
    return user.is_authenticated and user.pk in selectors.member_ids(conversation)


def pending_remember(session, token: str) -> None:
    """Remember that this logged-out person chose to join, for after they sign up or log in."""
    invite_read(token)
    session[PENDING_KEY] = token


def pending_take(session, token: str) -> bool:
    """Whether `token` is the invite this person chose to join before logging in (forgotten once asked).

    Only a choice made in this session (a POST, CSRF-checked) joins on arrival; a link alone never does.
    """
    if session.get(PENDING_KEY) != token:
        return False
    del session[PENDING_KEY]
    return True
