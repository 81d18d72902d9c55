"""Every rule of check-in, in one place: venues (create, edit, replace the poster), checking in, rewards and
coupons. Views, templates and the kiosk's script ask here.

Checking in is two steps, so no GET moves money: opening a code's URL checks the code (`scan_read`) and the
view keeps what was scanned in the person's session for SCAN_VALID_FOR (time to log in or sign up first); the
person then taps "Check in" (`checkin_create`), which must be within that time. A code seen by someone else
(a photo sent round) starts nothing in their session until they open it themselves, when the kiosk's code
has long changed.
"""

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core import clock, ratelimit
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.core.events import publish
from apps.nearby import grid
from apps.wallet import ledger
from apps.wallet import services as wallet
from apps.wallet.models import Transaction
from apps.wallet.money import BadAmount, parse_amount, yuan

from . import codes
from .models import CheckIn, Coupon, Venue, VenueDay

SCAN_VALID_FOR = 10 * 60  # seconds from opening a code to tapping "Check in" (logging in on the way)
CHECKIN_LIMIT = 10  # check-in attempts per person per CHECKIN_WINDOW
CHECKIN_WINDOW = 10 * 60
MAX_POINTS = 1000
MAX_CASHBACK = 500  # fen: a small cashback (¥5)
MAX_BUDGET = 100_000
VENUES_PER_DAY = 20  # venues one person may create a day (spam)
LATEST_AVATARS = 8


class AlreadyCheckedIn(DomainError):
    code = "already_checked_in"

    def __init__(self, existing: CheckIn):
        self.existing = existing
        super().__init__(_("You have checked in here today already. Come back tomorrow."))


# --- Venues -------------------------------------------------------------------------------------------------


def access_venue(*, actor: User, pk: int) -> Venue:
    """A venue `actor` organises; someone else's venue is not found (nothing leaks)."""
    venue = Venue.objects.filter(pk=pk, organiser=actor).first()
    if venue is None:
        raise NotFound()
    return venue


def _when(text, *, label) -> datetime | None:
    text = str(text or "").strip()
    if not text:
        return None
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise DomainError(_("%(field)s: enter a date and time.") % {"field": label})
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _number(text, *, label, low, high) -> int:
    try:
        value = int(str(text).strip())
    except (TypeError, ValueError):
        raise DomainError(_("%(field)s: enter a whole number.") % {"field": label}) from None
    if not low <= value <= high:
        raise DomainError(
            _("%(field)s: between %(low)s and %(high)s.") % {"field": label, "low": low, "high": high}
        )
    return value


def _cleaned(data, venue: Venue | None = None) -> dict:
    """The venue form's fields, checked; raise DomainError naming the first bad one (nothing is saved)."""
    name = str(data.get("name", "")).strip()
    if not name or len(name) > 60:
        raise DomainError(_("Give the venue a name of at most 60 characters."))
    address = str(data.get("address", "")).strip()
    if len(address) > 120:
        raise DomainError(_("The address can be at most 120 characters."))
    fields = {"name": name, "address": address, "city": "", "row": None, "col": None}
    city = str(data.get("city", "")).strip()
    if city:
        if city not in grid.CITIES:
            raise DomainError(_("Choose a city from the list."))
        x, y = str(data.get("x", "")).strip(), str(data.get("y", "")).strip()
        if not x and not y and venue is not None and venue.city == city:  # the form left the spot alone
            fields.update(city=city, row=venue.row, col=venue.col)
        else:
            x = _number(x or 50, label=_("Map position"), low=0, high=100)
            y = _number(y or 50, label=_("Map position"), low=0, high=100)
            cell = grid.snap(*grid.city_spot(city, x, y))
            fields.update(city=city, row=cell.row, col=cell.col)
    opens_at = _when(data.get("opens_at"), label=_("Opens")) or clock.now()
    closes_at = _when(data.get("closes_at"), label=_("Closes"))
    if closes_at is not None and closes_at <= opens_at:
        raise DomainError(_("A venue must close after it opens."))
    fields.update(opens_at=opens_at, closes_at=closes_at)
    reward = str(data.get("reward", Venue.Reward.POINTS))
    if reward not in Venue.Reward.values:
        raise DomainError(_("Choose a reward."))
    amount, coupon_text = 0, ""
    if reward == Venue.Reward.POINTS:
        amount = _number(data.get("points"), label=_("Points"), low=1, high=MAX_POINTS)
    elif reward == Venue.Reward.CASHBACK:
        try:
            amount = parse_amount(data.get("cashback"), maximum=MAX_CASHBACK)
        except BadAmount as exc:
            raise DomainError(_("Cashback: %(reason)s") % {"reason": exc.message}) from None
    elif reward == Venue.Reward.COUPON:
        coupon_text = str(data.get("coupon_text", "")).strip()
        if not coupon_text or len(coupon_text) > 60:
            raise DomainError(_("Say what the coupon gives, in at most 60 characters."))
    budget = str(data.get("budget", "")).strip()
    rewards_left = _number(budget, label=_("Rewards to give"), low=0, high=MAX_BUDGET) if budget else None
    fields.update(reward=reward, reward_amount=amount, coupon_text=coupon_text, rewards_left=rewards_left)
    return fields


def venue_create(*, actor: User, data) -> Venue:
    """Create a venue; whoever creates one is its organiser."""
    fields = _cleaned(data)
    verdict = ratelimit.hit(f"checkin-venue:{actor.pk}", limit=VENUES_PER_DAY, window=24 * 3600)
    if not verdict.allowed:
        raise RateLimited(retry_after=verdict.retry_after)
    return Venue.objects.create(organiser=actor, created_at=clock.now(), **fields)


def venue_update(*, actor: User, pk: int, data) -> Venue:
    venue = access_venue(actor=actor, pk=pk)
    fields = _cleaned(data, venue)
    for name, value in fields.items():
        setattr(venue, name, value)
    venue.save(update_fields=list(fields))
    return venue


def venue_form_values(venue: Venue) -> dict:
    """The edit form's fields for a venue (times in the viewer's zone, cashback in yuan)."""

    def local(moment):
        return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""

    return {
        "name": venue.name,
        "address": venue.address,
        "city": venue.city,
        "x": "",
        "y": "",
        "opens_at": local(venue.opens_at),
        "closes_at": local(venue.closes_at),
        "reward": venue.reward,
        "points": venue.reward_amount if venue.reward == Venue.Reward.POINTS else "",
        "cashback": f"{venue.reward_amount / 100:.2f}" if venue.reward == Venue.Reward.CASHBACK else "",
        "coupon_text": venue.coupon_text,
        "budget": "" if venue.rewards_left is None else venue.rewards_left,
    }


def poster_replace(*, actor: User, pk: int) -> Venue:
    """Void every printed poster of the venue (its static code); the kiosk's codes are untouched."""
    venue = access_venue(actor=actor, pk=pk)
    Venue.objects.filter(pk=venue.pk).update(poster_version=F("poster_version") + 1)
    venue.refresh_from_db(fields=["poster_version"])
    return venue


def is_open(venue: Venue, moment: datetime | None = None) -> bool:
    moment = moment or clock.now()
    return venue.opens_at <= moment and (venue.closes_at is None or moment < venue.closes_at)


def reward_text(reward: str, amount: int, coupon_text: str = "") -> str:
    """The reward in words: "10 points", "¥1.00 cashback", the coupon's own words."""
    if reward == Venue.Reward.POINTS:
        return _("%(n)s points") % {"n": amount}
    if reward == Venue.Reward.CASHBACK:
        return _("%(amount)s cashback") % {"amount": yuan(amount)}
    if reward == Venue.Reward.COUPON:
        return _("Coupon: %(text)s") % {"text": coupon_text}
    return ""


# --- Checking in --------------------------------------------------------------------------------------------


def scan_read(letter: str, token: str) -> codes.Scanned:
    """The venue and the way of a scanned code's URL; raise tokens.InvalidToken with the reason to show."""

    def version_of(venue_id):
        return Venue.objects.filter(pk=venue_id).values_list("poster_version", flat=True).first()

    return codes.read(letter, token, poster_version_of=version_of)


def scan_valid(scan: dict | None, venue_id: int) -> bool:
    """Whether a scan kept in the session (`{"v", "via", "at"}`) lets its person check in at `venue_id` now."""
    if not isinstance(scan, dict) or scan.get("v") != venue_id or scan.get("via") not in CheckIn.Via.values:
        return False
    at = scan.get("at")
    return isinstance(at, int | float) and 0 <= clock.now().timestamp() - at <= SCAN_VALID_FOR


def scan_record(scanned: codes.Scanned) -> dict:
    """What the session keeps of a scan."""
    return {"v": scanned.venue_id, "via": scanned.via, "at": int(clock.now().timestamp())}


def checkin_refusal(*, actor: User, venue: Venue) -> str:
    """Why `actor` may not check in at `venue` now ("" if they may)."""
    if venue.organiser_id == actor.pk:
        return str(_("You organise this venue: your own check-ins don't count, and earn no reward."))
    if not is_open(venue):
        return str(_("This venue is not open for check-ins now."))
    return ""


def checkin_create(*, actor: User, venue_id: int, scan: dict | None) -> CheckIn:
    """Check `actor` in at the venue they scanned, once a day (China time), and give the reward if any is left.

    Raise AlreadyCheckedIn (with the day's check-in), RateLimited, or DomainError with the reason."""
    verdict = ratelimit.hit(f"checkin:{actor.pk}", limit=CHECKIN_LIMIT, window=CHECKIN_WINDOW)
    if not verdict.allowed:
        raise RateLimited(retry_after=verdict.retry_after)
    if not scan_valid(scan, venue_id):
        raise DomainError(_("Scan the venue's code to check in (a scan is good for 10 minutes)."))
    venue = Venue.objects.filter(pk=venue_id).first()
    if venue is None:
        raise NotFound()
    refusal = checkin_refusal(actor=actor, venue=venue)
    if refusal:
        raise DomainError(refusal)
    now = clock.now()
    day = clock.calendar(now).date()  # the same instant as the row's time, even at midnight
    with transaction.atomic():
        try:
            with transaction.atomic():  # savepoint: a double tap's second insert fails here, the first stands
                checkin = CheckIn.objects.create(
                    venue=venue, person=actor, day=day, created_at=now, via=scan["via"], number=0
                )
        except IntegrityError:
            existing = CheckIn.objects.filter(venue=venue, person=actor, day=day).first()
            if existing is None:
                raise
            raise AlreadyCheckedIn(existing) from None
        checkin.number = _count_in(venue, day)
        _reward(checkin, venue)
        checkin.save(update_fields=["number", "reward", "reward_amount", "reward_state"])
        # To the organiser's tabs only (their kiosk screen): who checked in where is not for anyone who asks.
        publish(
            user_ids=[venue.organiser_id],
            type="checkin.new",
            data={
                "venue": venue.pk,
                "day": day.isoformat(),
                "count": checkin.number,
                "person": person_card(actor),
            },
        )
    return checkin


_BUMP = "UPDATE {table} SET checkins = checkins + 1 WHERE venue_id = %s AND day = %s RETURNING checkins"


def _count_in(venue: Venue, day) -> int:
    """Add one to the venue's day and return the new count: the row lock hands out numbers one at a time, so
    the last check-in of a rush carries the exact total. UPDATE ... RETURNING (SQLite 3.35+, PostgreSQL): one
    statement on every check-in but a day's first."""
    sql = _BUMP.format(table=VenueDay._meta.db_table)
    params = [venue.pk, connection.ops.adapt_datefield_value(day)]
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        VenueDay.objects.get_or_create(venue=venue, day=day)  # the day's first check-in (or a racing twin's)
    raise RuntimeError("the venue's day row vanished")


def _reward(checkin: CheckIn, venue: Venue) -> None:
    """Give the venue's reward if its budget (and, for cashback, the organiser's balance) allows; otherwise
    mark it run out. The check-in stands either way."""
    if venue.reward == Venue.Reward.NONE:
        return
    checkin.reward, checkin.reward_amount = venue.reward, venue.reward_amount
    try:
        with transaction.atomic():  # savepoint: a cashback the organiser can't pay gives the budget back
            if venue.rewards_left is not None:  # a budget: take one of what is left, or there is none
                left = Venue.objects.filter(pk=venue.pk, rewards_left__gt=0)
                if not left.update(rewards_left=F("rewards_left") - 1):
                    raise _RanOut()
            if venue.reward == Venue.Reward.CASHBACK:
                payer, payee = wallet.account_for(venue.organiser), wallet.account_for(checkin.person)
                ledger.ledger_post(
                    kind=Transaction.Kind.PAYMENT,
                    lines=[(payer, -venue.reward_amount), (payee, venue.reward_amount)],
                    idempotency_key=f"checkin-{checkin.pk}-cashback",  # one cashback per check-in, ever
                    memo=str(_("Check-in cashback · %(venue)s") % {"venue": venue.name}),
                )
            elif venue.reward == Venue.Reward.COUPON:
                Coupon.objects.create(
                    checkin=checkin,
                    venue=venue,
                    holder=checkin.person,
                    text=venue.coupon_text,
                    created_at=clock.now(),
                )
    except (_RanOut, ledger.InsufficientBalance):
        checkin.reward_state = CheckIn.RewardState.RAN_OUT
        return
    checkin.reward_state = CheckIn.RewardState.GIVEN


class _RanOut(Exception):
    pass


def person_card(user: User) -> dict:
    """What the kiosk shows of someone who checked in: name and avatar (no ID, no link)."""
    return {
        "name": str(user),
        "avatar": user.avatar.url if user.avatar else "",
        "initials": user.initials,
        "colour": user.avatar_colour,
    }


# --- Coupons ------------------------------------------------------------------------------------------------


def coupon_redeem(*, actor: User, venue_pk: int, code: str) -> Coupon:
    """The organiser takes a coupon of their venue at the till: once only."""
    venue = access_venue(actor=actor, pk=venue_pk)
    code = "".join(str(code or "").split()).upper()
    coupon = Coupon.objects.filter(venue=venue, code=code).select_related("holder").first() if code else None
    if coupon is None:
        raise DomainError(_("No coupon of this venue has that code."))
    if not Coupon.objects.filter(pk=coupon.pk, redeemed_at__isnull=True).update(redeemed_at=clock.now()):
        raise DomainError(_("This coupon has been used already."))
    coupon.refresh_from_db(fields=["redeemed_at"])
    return coupon
