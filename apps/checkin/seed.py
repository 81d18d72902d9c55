"""Sample venues owned by sample merchants (a Shanghai tea house, an Anshan noodle bar) and the workshop's host,
with check-ins over the past three weeks, so the venue pages and the organiser's counts have data at first start.

Backdated rows are written directly (the demo's own history); cashback ones move their money through the ledger
like any other, so balances and check-ins agree. Idempotent: a venue that exists is left alone."""

import random
from datetime import datetime, time, timedelta

from django.db import transaction

from apps.accounts.models import User
from apps.accounts.seed import CAST
from apps.core import clock
from apps.nearby import grid
from apps.wallet import ledger
from apps.wallet import services as wallet
from apps.wallet.models import Transaction

from .models import CheckIn, Coupon, Venue, VenueDay

DAYS = 21
# (name, organiser, address, city, x, y, reward, amount, coupon text, rewards left, open days before today)
VENUES = [
    ("Jasmine Tea House · 茉莉茶坊", "sunli", "88 Nanjing West Road, Jing'an", "shanghai", 48, 46,
     Venue.Reward.COUPON, 0, "Free jasmine tea with any milk tea · 买奶茶送茉莉花茶", 300, 60),
    ("Anshan Noodle Bar · 鞍山拉面馆", "zhaolei", "12 Shengli Road, Tiexi, Anshan", "anshan", 52, 50,
     Venue.Reward.CASHBACK, 100, "", 200, 60),
    ("Social Media Workshop 2026 · 社交媒体工作坊", "james", "Workshop room 3, 1 Century Avenue, Pudong", "shanghai",
     60, 52, Venue.Reward.POINTS, 10, "", None, DAYS),
]  # fmt: skip
# Who comes on the live day of the demo already (the kiosk shows their faces); the rest are free to check in.
TODAY = ["sophie", "tom", "chenjing"]


def _moment(day, rng) -> datetime:
    at = datetime.combine(day, time(hour=rng.randint(9, 20), minute=rng.randint(0, 59)))
    return at.replace(tzinfo=clock.calendar().tzinfo)


@transaction.atomic
def seed() -> None:
    people = {u.username: u for u in User.objects.filter(username__in=[p.username for p in CAST])}
    rng = random.Random(13)  # the same history on every machine
    today = clock.today()
    for name, owner, address, city, x, y, reward, amount, text, left, open_days in VENUES:
        if owner not in people or Venue.objects.filter(name=name).exists():
            continue
        cell = grid.snap(*grid.city_spot(city, x, y))
        venue = Venue.objects.create(
            organiser=people[owner], name=name, address=address, city=city, row=cell.row, col=cell.col,
            opens_at=clock.now() - timedelta(days=open_days), closes_at=clock.now() + timedelta(days=60),
            reward=reward, reward_amount=amount, coupon_text=text, rewards_left=left,
        )  # fmt: skip
        guests = [p for who, p in people.items() if who != owner]
        for back in range(DAYS, -1, -1):
            day = today - timedelta(days=back)
            if back == 0:
                visitors = [
                    people[w] for w in TODAY if w in people and w != owner and venue.name.startswith("Social")
                ]
            else:
                visitors = rng.sample(guests, rng.randint(0, min(len(guests), 2 + (DAYS - back) // 4)))
            for number, person in enumerate(visitors, start=1):
                _seed_checkin(venue, person, day, number, _moment(day, rng) if back else clock.now(), rng)
            if visitors:
                VenueDay.objects.create(venue=venue, day=day, checkins=len(visitors))


def _seed_checkin(venue, person, day, number, at, rng) -> None:
    checkin = CheckIn.objects.create(
        venue=venue, person=person, day=day, created_at=at, number=number,
        via=CheckIn.Via.KIOSK if rng.random() < 0.6 else CheckIn.Via.POSTER,
        reward=venue.reward, reward_amount=venue.reward_amount, reward_state=CheckIn.RewardState.GIVEN,
    )  # fmt: skip
    if venue.reward == Venue.Reward.COUPON:
        redeemed = at + timedelta(minutes=20) if rng.random() < 0.5 and day < clock.today() else None
        Coupon.objects.create(
            checkin=checkin,
            venue=venue,
            holder=person,
            text=venue.coupon_text,
            created_at=at,
            redeemed_at=redeemed,
        )
    elif venue.reward == Venue.Reward.CASHBACK:
        payer, payee = wallet.account_for(venue.organiser), wallet.account_for(person)
        try:
            ledger.ledger_post(
                kind=Transaction.Kind.PAYMENT,
                lines=[(payer, -venue.reward_amount), (payee, venue.reward_amount)],
                idempotency_key=f"checkin-{checkin.pk}-cashback",
                memo=f"Check-in cashback · {venue.name}",
            )
        except ledger.InsufficientBalance:
            CheckIn.objects.filter(pk=checkin.pk).update(reward_state=CheckIn.RewardState.RAN_OUT)
            return
    if venue.rewards_left is not None:
        Venue.objects.filter(pk=venue.pk).update(rewards_left=max(0, venue.rewards_left - 1))
        venue.rewards_left = max(0, venue.rewards_left - 1)


def summary() -> list[str]:
    """What `seed_demo` says of check-in."""
    return [
        f"Check-in: {Venue.objects.count()} sample venues with {CheckIn.objects.count()} check-ins over three "
        "weeks, Discover → Check-in",
        "James organises the workshop venue: My venues → the workshop → Kiosk screen, on the projector; "
        "phones scan it with Discover → Scan",
        "Sun Li's tea house gives coupons, Zhao Lei's noodle bar ¥1.00 cashback from his balance",
    ]


def unseed() -> None:
    Venue.objects.filter(name__in=[v[0] for v in VENUES]).delete()
