"""Scenes: one-click set-ups a presenter runs in front of the room, each through the features' own services
(the same rules, limits, ledger and live events as a person's own action; never rows written here).

- storm: the host sends a lucky red packet to the workshop group, paid from their wallet (topped up from
  their demo bank card first if short); the console's feed shows the grabs, and Best luck once all are taken.
- topic: the next few sample people post on the workshop's topic; hot search is refreshed at once, so the
  console's board shows it enter and, press after press, climb (distinct people are what heat counts).
- sea: sample people throw bottles until the sea holds SEA_TARGET drifting ones.

Each is idempotent-ish (a second press while the first is still playing out adds nothing, and says so) and
rate-limited per scene, whoever presses. Demo hosts only, DEMO_MODE only (access.check_host).
"""

import secrets

from django.utils.translation import gettext as _

from apps.accounts.seed import sample_logins
from apps.bottles import services as bottles
from apps.bottles.models import Bottle
from apps.chat import selectors as chat_selectors
from apps.core import clock, ratelimit
from apps.core.errors import DomainError, RateLimited
from apps.microblog.models import Post
from apps.microblog.services import posts as weibo
from apps.microblog.services.topics import WINDOW, hot_search_refresh
from apps.microblog.text import topic_key
from apps.wallet import selectors as wallet_selectors
from apps.wallet import services as wallet
from apps.wallet.models import RedPacket
from apps.wallet.money import yuan
from apps.wallet.seed import DEMO_PIN

from . import access, joining

SCENES = ("storm", "topic", "sea")
SCENE_COOLDOWN = 10  # seconds between two runs of a scene: a double click runs it once

STORM_NOTE = "Red-packet storm! 红包雨！"
STORM_MIN_SHARES = 5
STORM_FEN_PER_SHARE = 2_00  # ¥2 a share on average, within the packet cap (¥200: 100 shares)
STORM_STILL_ON = 60  # seconds: a second storm within a minute of an open one is the same storm

TOPIC = "Workshop Live"
TOPIC_WAVE = 4  # sample people posting per press (3 are needed to rank at all)
TOPIC_POSTS = [
    "#Workshop Live# Red packets in a group chat: who knew grabbing money could be a team sport? 🧧",
    "#Workshop Live# 微信支付：扫一扫就付好了，真方便！",
    "#Workshop Live# Hot search moves every minute: distinct people count, not posts.",
    "#Workshop Live# 今天学到了很多，谢谢老师！👏",
    "#Workshop Live# Drift bottles and Shake: meeting strangers, the 2012 way.",
    "#Workshop Live# 摇一摇，看看谁也在摇？",
    "#Workshop Live# One app for chat, pay and news: that is the super-app.",
    "#Workshop Live# 这个热搜上升得好快 🔥",
    "#Workshop Live# Taking notes for our own campaign in China.",
    "#Workshop Live# 红包拼手气，我抢到了最佳手气！",
    "#Workshop Live# Weibo is where the news breaks first.",
    "#Workshop Live# 上海的工作坊，人好多！",
]

SEA_TARGET = 30  # drifting bottles after a "sea" press
SEA_TEXTS = [
    "Whoever finds this: have a lovely day! ☀️",
    "愿捡到这个瓶子的你，天天开心。",
    "First time at a workshop about Chinese social media. Say hi!",
    "今天的月亮很圆，你看到了吗？🌕",
    "Looking for a good noodle place near the Bund. Tips?",
    "如果你也喜欢看海，回个瓶子吧。",
    "Message in a bottle, WeChat style 🍾",
    "有没有人一起去西湖？",
    "Learning Chinese: 你好 means hello!",
    "把烦恼都扔进大海吧。",
]


def run(*, actor, name: str, pin: str = "") -> str:
    """Run scene `name` as host `actor`; what happened, to show the presenter."""
    access.check_host(actor)
    if name not in SCENES:
        raise DomainError(_("Choose a scene."), code="malformed")
    verdict = ratelimit.cooldown(f"workshop.scene:{name}", seconds=SCENE_COOLDOWN)
    if not verdict.allowed:
        raise RateLimited(
            _("That scene has just run. Try again in %(n)s s.") % {"n": verdict.retry_after},
            retry_after=verdict.retry_after,
        )
    if name == "storm":
        return storm(actor=actor, pin=pin)
    if name == "topic":
        return hot_topic()
    return bottle_sea()


# --- Red-packet storm ----------------------------------------------------------------------------------


def storm_size(members: int) -> tuple[int, int]:
    """(shares, fen) for a group of `members` besides the host: shares for half the room (a storm is a race),
    at least STORM_MIN_SHARES, at most the packet's; ¥2 a share on average, within the packet cap."""
    shares = min(wallet.PACKET_MAX_SHARES, max(STORM_MIN_SHARES, members // 2))
    return shares, min(wallet.packet_cap(), shares * STORM_FEN_PER_SHARE)


def storm(*, actor, pin: str = "") -> str:
    group = joining.workshop_group(actor)
    if group is None:
        raise DomainError(_("There is no workshop group to send to: reset the demo first."), code="no_group")
    last = (
        RedPacket.objects.filter(sender=actor, conversation_id=group.pk, note=STORM_NOTE)
        .order_by("-pk")
        .first()
    )
    if (
        last is not None
        and wallet_selectors.packet_status(last) == RedPacket.Status.OPEN
        and (clock.now() - last.created_at).total_seconds() < STORM_STILL_ON
    ):
        return _("The storm is on: %(left)s of %(n)s red packets still to grab.") % {
            "left": last.remaining_count,
            "n": last.count,
        }
    members = len(chat_selectors.member_ids(group)) - 1
    shares, fen = storm_size(members)
    pin = pin or DEMO_PIN  # the sample people's PIN, shown on every payment form in demo mode
    short = fen - wallet_selectors.balance_of(actor)
    if short > 0:  # demo money from the host's demo bank card, through the ledger as any top-up
        wallet.topup(actor=actor, amount=max(short, 100_00), pin=pin, idempotency_key=wallet.new_key())
    wallet.packet_create(
        actor=actor,
        conversation_id=group.pk,
        kind=RedPacket.Kind.LUCKY,
        amount=fen,
        count=shares,
        note=STORM_NOTE,
        pin=pin,
        idempotency_key=f"workshop-storm-{secrets.token_hex(8)}",
    )
    return _("A lucky red packet of %(amount)s in %(n)s shares is in %(group)s. Grab it!") % {
        "amount": yuan(fen),
        "n": shares,
        "group": group.name,
    }


# --- Hot topic -----------------------------------------------------------------------------------------


def hot_topic() -> str:
    """The next TOPIC_WAVE sample people who have not posted on the topic within hot search's window post."""
    since = clock.now() - WINDOW
    posted = set(
        Post.objects.filter(
            posttopic__topic__key=topic_key(TOPIC), created_at__gte=since, deleted_at__isnull=True
        ).values_list("author_id", flat=True)
    )
    cast = sample_logins()
    wave = [person for person in cast if person.pk not in posted][:TOPIC_WAVE]
    for person in wave:
        weibo.post_create(actor=person, text=TOPIC_POSTS[cast.index(person) % len(TOPIC_POSTS)])
    hot_search_refresh()  # now, not at the next minute: the board shows the climb at once
    if not wave:
        return _(
            "Everyone in the sample cast has posted on #%(topic)s# this hour: the room's posts take it higher."
        ) % {"topic": TOPIC}
    return _("%(n)s people posted on #%(topic)s#: watch it climb in hot search.") % {
        "n": len(posted) + len(wave),
        "topic": TOPIC,
    }


# --- Bottle sea ----------------------------------------------------------------------------------------


def drifting() -> int:
    return Bottle.objects.filter(in_sea=True, expires_at__gt=clock.now()).count()


def bottle_sea() -> str:
    """Sample people throw bottles (each within their own daily limit) until SEA_TARGET are drifting."""
    need = SEA_TARGET - drifting()
    if need <= 0:
        return _("The sea already holds %(n)s bottles.") % {"n": drifting()}
    throwers, thrown, turn = list(sample_logins()), 0, 0
    while need > thrown and throwers:
        person = throwers[turn % len(throwers)]
        try:
            bottles.bottle_throw(actor=person, text=SEA_TEXTS[(thrown + turn) % len(SEA_TEXTS)])
            thrown += 1
            turn += 1
        except RateLimited:  # their day's bottles are thrown: the others carry on
            throwers.remove(person)
    if not thrown:
        raise DomainError(_("The sample people have thrown all their bottles for today."), code="limit")
    return _("%(n)s bottles thrown: the sea holds %(total)s.") % {"n": thrown, "total": drifting()}
