"""Shake: people who shake within the same few seconds are paired, the nearest first, and both are told live.

The state is shared in the database (a ShakeAttempt row per shake), so several worker processes pair from the
same rows. A shake commits its row first (others can see it), then claims a partner among the shakes still
open: the nearest by cell first, locking the partner's row FOR UPDATE SKIP LOCKED on PostgreSQL (two claimers
walk past each other), then, for any it skipped, waiting for that row's lock in a fixed order (lower id last),
so two shakers who skipped each other can't both end up alone. The claim is a conditional UPDATE (state
waiting → matched) on both rows: nobody is paired twice. Nobody is paired with themselves (one open shake
each: a partial unique constraint) or with someone who blocked them, or they blocked. A shake nobody claimed
is closed when its window ends ("nobody found"), by the periodic job or by the person's own page asking.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from apps.accounts.models import Block, User
from apps.core import clock, ratelimit
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.core.events import publish

from . import grid
from .models import ShakeAttempt
from .services import presence_of

DEFAULTS = {
    "SHAKE_WINDOW_SECONDS": 4,  # a shake is open this long for a partner
    "SHAKES_PER_HOUR": 60,
}
CANDIDATES = 200  # open shakes read per claim (the nearest of them is tried first)
KEEP_HISTORY = timedelta(days=7)


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def window() -> timedelta:
    return timedelta(seconds=setting("SHAKE_WINDOW_SECONDS"))


def shake_start(*, user: User) -> ShakeAttempt:
    """Shake: open a shake for a few seconds and try to pair it at once. Needs People Nearby, visible."""
    presence = presence_of(user)
    if presence is None or not presence.visible:
        raise DomainError(_("Be visible in People Nearby to shake."), code="invisible")
    limit = setting("SHAKES_PER_HOUR")
    if not ratelimit.hit(f"nearby-shake:{user.pk}", limit=limit, window=3600).allowed:
        raise RateLimited(_("You have shaken %(n)s times this hour. Have a rest!") % {"n": limit})
    shakes_close(user_id=user.pk)  # a shake of theirs whose window has ended is over
    now = clock.now()
    try:
        with transaction.atomic():
            attempt = ShakeAttempt.objects.create(
                user=user, row=presence.row, col=presence.col, created_at=now, closes_at=now + window()
            )
    except IntegrityError:
        raise DomainError(
            _("You are already shaking: wait for this shake's result."), code="shaking"
        ) from None
    shake_match(attempt.pk)
    attempt.refresh_from_db()
    return attempt


def _open_others(attempt: ShakeAttempt, now):
    blocked = Block.objects.filter(
        Q(blocker_id=attempt.user_id, blocked=OuterRef("user"))
        | Q(blocker=OuterRef("user"), blocked_id=attempt.user_id)
    )
    return (
        ShakeAttempt.objects.filter(state=ShakeAttempt.State.WAITING, closes_at__gt=now)
        .exclude(user_id=attempt.user_id)
        .exclude(Exists(blocked))
    )


def _claim(mine_pk: int, theirs_pk: int, *, wait: bool) -> bool:
    """Pair two open shakes in one transaction; False if either is taken (or, without `wait`, locked)."""
    now = clock.now()
    with transaction.atomic():
        first, second = sorted(
            (mine_pk, theirs_pk), reverse=True
        )  # one lock order everywhere: higher id first
        locked = []
        for pk in (first, second):
            rows = ShakeAttempt.objects.select_for_update(skip_locked=not wait).filter(
                pk=pk, state=ShakeAttempt.State.WAITING, closes_at__gt=now
            )
            row = rows.first()
            if row is None:
                return False
            locked.append(row)
        mine, theirs = (locked[0], locked[1]) if locked[0].pk == mine_pk else (locked[1], locked[0])
        band = grid.band(grid.Cell(mine.row, mine.col), grid.Cell(theirs.row, theirs.col))
        for one, other in ((mine, theirs), (theirs, mine)):
            updated = ShakeAttempt.objects.filter(pk=one.pk, state=ShakeAttempt.State.WAITING).update(
                state=ShakeAttempt.State.MATCHED, partner_id=other.pk, band=band, row=None, col=None
            )
            if not updated:  # (the row lock makes this impossible; never pair half)
                transaction.set_rollback(True)
                return False
        for one in (mine, theirs):
            publish(user_ids=[one.user_id], type="nearby.shake.matched", data={"shake": one.pk})
    return True


def shake_match(pk: int) -> bool:
    """Pair open shake `pk` with the nearest other open shake (not self, not blocked either way)."""
    now = clock.now()
    mine = ShakeAttempt.objects.filter(pk=pk, state=ShakeAttempt.State.WAITING, closes_at__gt=now).first()
    if mine is None:
        return False
    here = grid.Cell(mine.row, mine.col)
    others = list(_open_others(mine, now).order_by("created_at").values_list("pk", "row", "col")[:CANDIDATES])
    others.sort(key=lambda o: grid.metres_between(here, grid.Cell(o[1], o[2])))
    skipped = []
    for other_pk, _row, _col in others:
        if _claim(pk, other_pk, wait=False):
            return True
        if ShakeAttempt.objects.filter(pk=other_pk, state=ShakeAttempt.State.WAITING).exists():
            skipped.append(other_pk)  # locked by a claim in progress: it may still be free after it
        if not ShakeAttempt.objects.filter(pk=pk, state=ShakeAttempt.State.WAITING).exists():
            return True  # someone paired us meanwhile
    # Wait for those locks now (in the one order, so no deadlock): two shakers who skipped each other pair here.
    return any(_claim(pk, other_pk, wait=True) for other_pk in skipped)


def shakes_close(*, user_id: int | None = None) -> int:
    """Close the open shakes whose window has ended unpaired ("nobody found"), and tell their owners. The
    periodic job runs it for everybody; a person's page for their own."""
    now = clock.now()
    lapsed = ShakeAttempt.objects.filter(state=ShakeAttempt.State.WAITING, closes_at__lte=now)
    if user_id is not None:
        lapsed = lapsed.filter(user_id=user_id)
    closed = 0
    for pk, owner in lapsed.values_list("pk", "user_id"):
        # One shake per transaction: holding one closed shake's lock while waiting for another's (that a claim
        # holds, waiting for the first) would deadlock; and nothing to close takes no transaction at all.
        with transaction.atomic():
            if ShakeAttempt.objects.filter(pk=pk, state=ShakeAttempt.State.WAITING).update(
                state=ShakeAttempt.State.ALONE, row=None, col=None
            ):
                publish(user_ids=[owner], type="nearby.shake.none", data={"shake": pk})
                closed += 1
    return closed


def shakes_forget() -> int:
    """Forget shakes older than a week (the history shows the last ones)."""
    deleted, _per_model = ShakeAttempt.objects.filter(created_at__lt=clock.now() - KEEP_HISTORY).delete()
    return deleted


def shake_periodic() -> dict:
    """The job every second: pair any shake left open (a claim lost to a lock race), then close those whose
    window has ended. When nobody is shaking, the usual second, that is one query and no transaction (on
    SQLite a transaction would take the write lock every second)."""
    now = clock.now()
    waiting = list(
        ShakeAttempt.objects.filter(state=ShakeAttempt.State.WAITING).values_list("pk", "closes_at")
    )
    paired = sum(shake_match(pk) for pk, closes_at in waiting if closes_at > now)
    # Those whose window ended while pairing ran are closed now too, not a round later.
    later = clock.now()
    lapsed = any(closes_at <= later for _pk, closes_at in waiting)
    return {"paired": paired, "closed": shakes_close() if lapsed else 0}


def shake_result(*, user: User, pk: int) -> ShakeAttempt:
    """One of `user`'s shakes, closed first if its window has ended; NotFound for anyone else's."""
    shakes_close(user_id=user.pk)
    attempt = ShakeAttempt.objects.select_related("partner__user").filter(pk=pk, user=user).first()
    if attempt is None:
        raise NotFound()
    return attempt


def shake_history(user: User, *, limit: int = 10) -> list[ShakeAttempt]:
    return list(
        ShakeAttempt.objects.select_related("partner__user")
        .filter(user=user, state=ShakeAttempt.State.MATCHED)
        .order_by("-created_at")[:limit]
    )
