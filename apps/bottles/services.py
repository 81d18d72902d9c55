"""Every change to the sea: throw, pick, throw back, reply, report, the sweep, and the moderators' actions.

One bottle is in one person's hands at a time: a pick claims it with a conditional UPDATE (`in_sea` true →
false), after locking the row it found with FOR UPDATE SKIP LOCKED on PostgreSQL (two pickers at once walk
past each other's row instead of waiting for it); SQLite's IMMEDIATE transactions let one writer in at a time.
"""

import random
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from apps.accounts.models import Block, User
from apps.chat import services as chat
from apps.core import clock
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.core.events import publish

from . import rules
from .models import SPOTS, Bottle, DailyCount, Pick, Report

_random = random.SystemRandom()  # where a pick starts in the sea; tests pass a seeded random.Random


@dataclass(frozen=True)
class Catch:
    """What a net brought up: a bottle, or a starfish (bottle is None)."""

    bottle: Bottle | None

    @property
    def starfish(self) -> bool:
        return self.bottle is None


def _count(user: User, field: str, limit: int) -> None:
    """Count one throw or pick of today, refused once `limit` are counted. The UPDATE is conditional, so
    parallel requests can't all slip past a look at the counter (and it holds the row until commit)."""
    day = clock.today()
    today = DailyCount.objects.filter(user=user, day=day, **{f"{field}__lt": limit})
    counted = today.update(**{field: F(field) + 1})
    if not counted and limit > 0:  # the day's first, or the limit reached
        try:
            with transaction.atomic():
                DailyCount.objects.create(user=user, day=day, **{field: 1})
            counted = 1
        except IntegrityError:  # the row is there (maybe made by a parallel request just now)
            counted = today.update(**{field: F(field) + 1})
    if not counted:
        if field == "throws":
            message = _(
                "You have thrown %(n)s bottles today, the most a day. The sea will wait for tomorrow."
            )
        else:
            message = _("You have cast your net %(n)s times today, the most a day. Come back tomorrow.")
        raise RateLimited(message % {"n": limit})


def bottle_throw(*, actor: User, text: str, with_city: bool = True) -> Bottle:
    """Throw a bottle (≤ 200 characters, optionally with the thrower's city label); it drifts for 7 days."""
    text = rules.clean_text(text)
    now = clock.now()
    with transaction.atomic():
        _count(actor, "throws", rules.throws_per_day(actor))
        return Bottle.objects.create(
            thrower=actor,
            text=text,
            city=actor.region[:60] if with_city else "",
            created_at=now,
            expires_at=now + rules.setting("BOTTLE_LIFETIME"),
            spot=_random.randrange(SPOTS),
        )


def in_hand(user: User) -> Bottle | None:
    """The bottle in `user`'s hands now, if any (one left too long has drifted back, swept or not)."""
    return (
        Bottle.objects.select_related("thrower")
        .filter(holder=user, held_until__gt=clock.now())
        .order_by("-held_until")
        .first()
    )


def _blocked_ids(user: User) -> set[int]:
    pairs = Block.objects.filter(Q(blocker=user) | Q(blocked=user)).values_list("blocker_id", "blocked_id")
    return {pk for pair in pairs for pk in pair} - {user.pk}


def _sea_for(user: User):
    """Bottles `user` may find: drifting, unexpired, not theirs, not from someone blocked either way, and
    never picked by them before (an index lookup per bottle looked at, on pick_a_bottle_once)."""
    picked = Pick.objects.filter(picker=user, bottle=OuterRef("pk"))
    return (
        Bottle.objects.filter(in_sea=True, expires_at__gt=clock.now())
        .exclude(thrower_id__in=[user.pk, *_blocked_ids(user)])
        .exclude(Exists(picked))
    )


def _claim(user: User, rng) -> Bottle | None:
    """Take a random bottle from the sea for `user`: the first one at or after a random spot (wrapping
    round), walked along the sea's partial index. Not ORDER BY RANDOM() (sorts the whole sea) and not the
    lowest id (always the oldest)."""
    sea = _sea_for(user)
    start = rng.randrange(SPOTS)
    for part in (sea.filter(spot__gte=start), sea.filter(spot__lt=start)):
        for _attempt in range(3):
            pk = (
                part.select_for_update(skip_locked=True).order_by("spot").values_list("pk", flat=True).first()
            )
            if pk is None:
                break
            now = clock.now()
            if Bottle.objects.filter(pk=pk, in_sea=True).update(
                in_sea=False, holder=user, held_until=now + rules.setting("BOTTLE_HOLD")
            ):
                Pick.objects.create(picker=user, bottle_id=pk, picked_at=now)
                return Bottle.objects.select_related("thrower").get(pk=pk)
    return None


def bottle_pick(*, actor: User, rng=None) -> Catch:
    """Cast the net once: a starfish about one time in four, else a random bottle that stays in `actor`'s
    hands until they reply or throw it back (or it drifts back by itself)."""
    rng = rng or _random
    with transaction.atomic():
        _count(
            actor, "picks", rules.setting("BOTTLE_PICKS_PER_DAY")
        )  # first: it serialises one person's picks
        if in_hand(actor) is not None:
            raise DomainError(
                _("You are holding a bottle: reply to it or throw it back first."), code="in_hand"
            )
        if rng.random() < rules.setting("BOTTLE_STARFISH_RATE"):
            return Catch(None)
        bottle = _claim(actor, rng)
        if bottle is None:  # nothing to find: this cast doesn't count (the transaction undoes the count)
            raise DomainError(
                _("The sea is calm: no bottle is drifting your way now. Try again later."), code="empty"
            )
    return Catch(bottle)


def _held(actor: User, bottle_id) -> Bottle:
    bottle = (
        Bottle.objects.select_for_update()
        .filter(pk=_int(bottle_id), holder=actor, held_until__gt=clock.now())
        .first()
    )
    if bottle is None:
        raise NotFound(_("This bottle is no longer in your hands."))
    return bottle


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def bottle_throw_back(*, actor: User, bottle_id) -> None:
    """Put the bottle in your hands back into the sea, at a new random spot, for someone else."""
    with transaction.atomic():
        bottle = _held(actor, bottle_id)
        Bottle.objects.filter(pk=bottle.pk).update(
            holder=None,
            held_until=None,
            in_sea=True,  # (if it has expired meanwhile, no net finds it and the sweep washes it away)
            spot=_random.randrange(SPOTS),
        )
        Pick.objects.filter(picker=actor, bottle=bottle).update(outcome=Pick.Outcome.THROWN_BACK)


def bottle_reply(*, actor: User, bottle_id, text: str):
    """Reply to the bottle in your hands: it leaves the sea, and a bottle chat opens between you and its
    thrower, starting with the bottle's words and your reply. The thrower hears of it live."""
    text = rules.clean_text(text, what="reply")
    with transaction.atomic():
        bottle = _held(actor, bottle_id)
        thrower = User.objects.get(pk=bottle.thrower_id)
        if not thrower.is_active:
            raise NotFound(_("This bottle's thrower has left the sea."))
        conversation = chat.conversation_bottle_open(thrower=thrower, finder=actor, bottle_id=bottle.pk)
        chat.message_post_system(
            conversation=conversation, event="bottle", params={"actor": str(thrower), "text": bottle.text}
        )
        chat.message_send(sender=actor, conversation=conversation, text=text)
        now = clock.now()
        Bottle.objects.filter(pk=bottle.pk).update(
            holder=None, held_until=None, in_sea=False, replied_by=actor, replied_at=now, reply=text,
            conversation=conversation,
        )  # fmt: skip
        Pick.objects.filter(picker=actor, bottle=bottle).update(outcome=Pick.Outcome.REPLIED)
        publish(
            user_ids=[thrower.pk],
            type="bottles.reply",
            data={
                "bottle": bottle.pk,
                "conversation": conversation.pk,
                "name": str(actor),
                "reply": text,
                "replied_at": now.isoformat(),
            },
        )
    return conversation


def bottle_report(*, actor: User, bottle_id, reason: str = "") -> Report:
    """Report a bottle you picked: hidden at once for everyone, and queued for the moderators."""
    with transaction.atomic():
        bottle = Bottle.objects.select_for_update().filter(pk=_int(bottle_id)).first()
        if bottle is None or not Pick.objects.filter(picker=actor, bottle=bottle).exists():
            raise NotFound()
        report, _created = Report.objects.get_or_create(
            bottle=bottle,
            reporter=actor,
            defaults={"reason": (reason or "").strip()[:200], "created_at": clock.now()},
        )
        Bottle.objects.filter(pk=bottle.pk).update(
            hidden_at=bottle.hidden_at or clock.now(), in_sea=False, holder=None, held_until=None
        )
        Pick.objects.filter(picker=actor, bottle=bottle).update(outcome=Pick.Outcome.REPORTED)
    return report


# --- Moderators (the admin's actions) -------------------------------------------------------------------


def reports_uphold(*, reports) -> int:
    """Keep the reported bottles hidden; the reports are closed."""
    return Report.objects.filter(pk__in=[r.pk for r in reports]).update(
        status=Report.Status.UPHELD, handled_at=clock.now()
    )


def reports_restore(*, reports) -> int:
    """The bottles did nothing wrong: unhide them (back in the sea while unexpired and unanswered)."""
    now = clock.now()
    with transaction.atomic():
        bottle_ids = {r.bottle_id for r in reports}
        Report.objects.filter(bottle_id__in=bottle_ids, status=Report.Status.OPEN).update(
            status=Report.Status.RESTORED, handled_at=now
        )
        Bottle.objects.filter(pk__in=bottle_ids).update(hidden_at=None)
        Bottle.objects.filter(
            pk__in=bottle_ids, expires_at__gt=now, replied_at__isnull=True, holder__isnull=True
        ).update(in_sea=True)
    return len(bottle_ids)


# --- The sweep (apps.core.periodic) ---------------------------------------------------------------------


def bottles_sweep() -> dict[str, int]:
    """Bottles left unanswered in someone's hands drift back; expired ones wash away. Conditional updates:
    safe to run twice, and a bottle answered, thrown back or picked by someone else meanwhile (no holder, or
    another: nobody picks a bottle twice) is left alone."""
    now = clock.now()
    returned = 0
    due = list(
        Bottle.objects.filter(holder__isnull=False, held_until__lte=now).values_list("pk", "holder_id")[:5000]
    )
    for pk, holder_id in due:
        with transaction.atomic():
            # (one that expired in someone's hands is washed away just below)
            if Bottle.objects.filter(pk=pk, holder_id=holder_id).update(
                holder=None, held_until=None, in_sea=True
            ):
                returned += 1
                Pick.objects.filter(picker_id=holder_id, bottle_id=pk, outcome=Pick.Outcome.HELD).update(
                    outcome=Pick.Outcome.RETURNED
                )
    washed = Bottle.objects.filter(in_sea=True, expires_at__lte=now).update(in_sea=False)
    return {"returned": returned, "washed_away": washed}
