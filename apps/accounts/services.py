"""Every change to people and contacts happens here, in a transaction, with its realtime event."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts import selectors
from apps.accounts.models import Block, FriendRequest, Friendship, User, public_id_validator
from apps.accounts.signals import friends_made
from apps.core import badges, clock, ratelimit
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.core.events import publish
from apps.core.images import process_image

PUBLIC_ID_CHANGE_INTERVAL = timedelta(days=365)


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


# --- Sign-up and login ---------------------------------------------------------------------------


def _free_public_id(base: str) -> str:
    candidate = base if len(base) >= 6 else f"wxid_{secrets.token_hex(4)}"
    try:
        public_id_validator(candidate)
    except ValidationError:
        candidate = f"wxid_{secrets.token_hex(4)}"
    while User.objects.filter(public_id__iexact=candidate).exists():
        candidate = f"wxid_{secrets.token_hex(4)}"
    return candidate


@transaction.atomic
def user_create(*, username: str, password: str, display_name: str = "", **profile) -> User:
    """Create a person with a validated password and a free public ID (their username when it fits)."""
    user = User(username=username, display_name=display_name or username, **profile)
    validate_password(password, user)
    user.public_id = profile.get("public_id") or _free_public_id(username)
    user.set_password(password)
    user.full_clean(exclude=["password", "public_id"] if "public_id" not in profile else ["password"])
    user.save()
    return user


def _login_limits(username: str, address: str) -> list[tuple[str, int]]:
    """The failure counters a login attempt counts in, each with its limit (see settings)."""
    account = username.strip().lower()
    return [
        (f"login-fail:pair:{account}:{address}", settings.LOGIN_FAILURE_LIMIT),
        (f"login-fail:addr:{address}", settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS),
        (f"login-fail:user:{account}", settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT),
    ]


def login_check(*, request, username: str, password: str) -> User:
    """Authenticate, refusing for a while after repeated failures (per account and address, per address,
    and, far higher, per account)."""
    window = settings.LOGIN_FAILURE_WINDOW
    # Count the attempt before checking it, so parallel guesses can't all pass a look at the counters.
    counted: list[ratelimit.Verdict] = []
    for key, limit in _login_limits(username, ratelimit.client_address(request)):
        verdict = ratelimit.hit(key, limit=limit, window=window)
        counted.append(verdict)
        if not verdict.allowed:
            for each in counted:  # a refused attempt is no failure: it must not lock anyone further
                ratelimit.release(each)
            raise RateLimited(
                _("Too many failed attempts. Try again in %(minutes)d minutes.")
                % {"minutes": _minutes(verdict.retry_after)},
                retry_after=verdict.retry_after,
            )
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise DomainError(_("Wrong username or password."), code="bad_login")
    pair, *shared = counted
    ratelimit.reset(pair)  # the owner's own earlier typos are forgiven
    for each in shared:  # a success is no failure; others' failures stay counted
        ratelimit.release(each)
    return user


def signup_check(*, request) -> None:
    limit, window = settings.SIGNUP_LIMIT_PER_ADDRESS
    if not ratelimit.hit(f"signup:{ratelimit.client_address(request)}", limit=limit, window=window).allowed:
        raise RateLimited(_("Too many sign-ups from this network. Please try again later."))


# --- Profile -----------------------------------------------------------------------------------


@transaction.atomic
def profile_update(*, user: User, display_name: str, bio: str, region: str, gender: str) -> User:
    """Save the profile fields a person edits on their own profile page."""
    user.display_name, user.bio, user.region, user.gender = display_name, bio, region, gender
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "bio", "region", "gender"])
    return user


@transaction.atomic
def avatar_set(*, user: User, upload) -> User:
    """Replace the avatar with a re-encoded 256 px square of `upload` (EXIF, and so location, dropped)."""
    image = process_image(upload, square=256)
    old = user.avatar.name if user.avatar else None
    user.avatar.save(image.name, image, save=False)
    user.save(update_fields=["avatar"])
    if old:
        transaction.on_commit(lambda: user.avatar.storage.delete(old))
    return user


@transaction.atomic
def public_id_change(*, user: User, public_id: str) -> User:
    """Change the public ID, at most once a year."""
    now = clock.now()
    if user.public_id_changed_at and now - user.public_id_changed_at < PUBLIC_ID_CHANGE_INTERVAL:
        next_date = timezone.localdate(user.public_id_changed_at + PUBLIC_ID_CHANGE_INTERVAL)  # China's date
        raise DomainError(_("Your ID can be changed once a year, next on %(date)s.") % {"date": next_date})
    try:
        public_id_validator(public_id)
    except ValidationError as exc:
        raise DomainError(exc.messages[0]) from exc
    if User.objects.filter(public_id__iexact=public_id).exclude(pk=user.pk).exists():
        raise DomainError(_("That ID is taken."))
    user.public_id, user.public_id_changed_at = public_id, now
    user.save(update_fields=["public_id", "public_id_changed_at"])
    return user


@transaction.atomic
def settings_update(*, user: User, **fields) -> User:
    """Save privacy and chat settings (only the known fields)."""
    allowed = {"findable_by_id", "addable_by_qr", "send_read_receipts", "language"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(name)
        setattr(user, name, value)
    user.save(update_fields=list(fields))
    return user


@transaction.atomic
def qr_reset(*, user: User) -> User:
    """Invalidate every copy of the person's old QR code."""
    User.objects.filter(pk=user.pk).update(qr_version=F("qr_version") + 1)
    user.refresh_from_db(fields=["qr_version"])
    return user


# --- Friends ---------------------------------------------------------------------------------------


def _add_friendship(owner: User, friend: User, source: str, remark: str = "") -> None:
    Friendship.objects.get_or_create(
        owner=owner, friend=friend, defaults={"source": source, "remark": remark, "created_at": clock.now()}
    )


@transaction.atomic
def friend_request_send(
    *, sender: User, recipient: User, message: str = "", source: str = FriendRequest.Source.SEARCH
) -> FriendRequest:
    """Ask `recipient` to be friends. A pending request the other way is accepted instead."""
    if sender == recipient:
        raise DomainError(_("You can't add yourself."))
    if selectors.has_blocked(sender, recipient):
        raise DomainError(_("You have blocked this person. Unblock them first."))
    if selectors.has_blocked(recipient, sender):
        # Same words as "not found": a blocked person learns nothing.
        raise DomainError(_("This person can't be added."), code="not_allowed")
    if source == FriendRequest.Source.QR and not recipient.addable_by_qr:
        raise DomainError(_("This person can't be added."), code="not_allowed")
    if selectors.are_friends(sender, recipient):
        raise DomainError(_("You are already friends."), code="already_friends")
    if Friendship.objects.filter(owner=sender).count() >= settings.FRIEND_CAP:
        raise DomainError(_("You have reached the limit of %(n)d friends.") % {"n": settings.FRIEND_CAP})
    limit, window = settings.FRIEND_REQUEST_LIMIT
    if not ratelimit.hit(f"friend-request:{sender.pk}", limit=limit, window=window).allowed:
        raise RateLimited(_("You've sent a lot of friend requests. Please try again later."))

    reverse = FriendRequest.objects.filter(
        from_user=recipient, to_user=sender, status=FriendRequest.Status.PENDING
    ).first()
    if reverse:
        friend_request_accept(actor=sender, request_id=reverse.pk)
        reverse.refresh_from_db()
        return reverse

    now = clock.now()
    request, _created = FriendRequest.objects.update_or_create(
        from_user=sender,
        to_user=recipient,
        status=FriendRequest.Status.PENDING,
        defaults={"message": message[:60], "source": source, "created_at": now},
    )
    publish(
        user_ids=[recipient.pk],
        type="contacts.request",
        data={"id": request.pk, "from": sender.display_name, "message": request.message},
    )
    badges.publish_for(recipient)
    return request


def _pending_request_to(actor: User, request_id: int) -> FriendRequest:
    request = (
        FriendRequest.objects.select_for_update()
        .filter(pk=request_id, to_user=actor, status=FriendRequest.Status.PENDING)
        .select_related("from_user")
        .first()
    )
    if request is None:
        raise DomainError(_("This request is no longer pending."), code="not_pending")
    return request


@transaction.atomic
def friend_request_accept(*, actor: User, request_id: int, remark: str = "") -> FriendRequest:
    """Accept a request sent to `actor`: both become friends (with `actor`'s remark, if any)."""
    request = _pending_request_to(actor, request_id)
    sender = request.from_user
    if selectors.is_blocked_between(actor, sender):
        raise DomainError(_("This person can't be added."), code="not_allowed")
    now = clock.now()
    request.status, request.responded_at = FriendRequest.Status.ACCEPTED, now
    request.save(update_fields=["status", "responded_at"])
    _add_friendship(actor, sender, request.source, remark[:40])
    _add_friendship(sender, actor, request.source)
    # A request the other way is settled too.
    FriendRequest.objects.filter(from_user=actor, to_user=sender, status=FriendRequest.Status.PENDING).update(
        status=FriendRequest.Status.ACCEPTED, responded_at=now
    )
    friends_made.send(sender=FriendRequest, accepter=actor, requester=sender)
    for person, other in ((actor, sender), (sender, actor)):
        publish(
            user_ids=[person.pk],
            type="contacts.friend_added",
            data={"public_id": other.public_id, "name": other.display_name},
        )
        badges.publish_for(person)
    return request


@transaction.atomic
def friend_request_decline(*, actor: User, request_id: int) -> FriendRequest:
    """Decline a request sent to `actor`; the sender is not told, as in WeChat."""
    request = _pending_request_to(actor, request_id)
    request.status, request.responded_at = FriendRequest.Status.DECLINED, clock.now()
    request.save(update_fields=["status", "responded_at"])
    badges.publish_for(actor)
    return request


@transaction.atomic
def friend_remove(*, actor: User, friend: User) -> None:
    """Remove `friend` from `actor`'s contacts only; they find out when they next message."""
    Friendship.objects.filter(owner=actor, friend=friend).delete()
    publish(user_ids=[actor.pk], type="contacts.friend_removed", data={"public_id": friend.public_id})


@transaction.atomic
def remark_set(*, owner: User, friend: User, remark: str) -> Friendship:
    """Name a contact privately."""
    friendship = Friendship.objects.filter(owner=owner, friend=friend).first()
    if friendship is None:
        raise DomainError(_("Only contacts can have a remark."))
    friendship.remark = remark.strip()[:40]
    friendship.save(update_fields=["remark"])
    return friendship


@transaction.atomic
def user_block(*, actor: User, target: User, anonymous: bool = False) -> Block:
    """Block `target`: they can no longer message, request or find `actor`. `anonymous`: `actor` met them
    without seeing their public ID (a bottle chat), and the blocked list keeps it that way."""
    if actor == target:
        raise DomainError(_("You can't block yourself."))
    try:
        with transaction.atomic():
            block, _created = Block.objects.get_or_create(
                blocker=actor, blocked=target, defaults={"created_at": clock.now(), "anonymous": anonymous}
            )
    except IntegrityError:
        block = Block.objects.get(blocker=actor, blocked=target)
    FriendRequest.objects.filter(from_user=target, to_user=actor, status=FriendRequest.Status.PENDING).update(
        status=FriendRequest.Status.DECLINED, responded_at=clock.now()
    )
    badges.publish_for(actor)
    return block


def block_lift(*, actor: User, block_id) -> User:
    """Unblock by the row of `actor`'s blocked list (an anonymous block has no ID to name); returns who."""
    block = Block.objects.select_related("blocked").filter(pk=block_id, blocker=actor).first()
    if block is None:
        raise NotFound(_("This person is not on your blocked list."))
    user_unblock(actor=actor, target=block.blocked)
    return block.blocked


@transaction.atomic
def user_unblock(*, actor: User, target: User) -> None:
    Block.objects.filter(blocker=actor, blocked=target).delete()
