"""Sample bottles drifting in the sea, in English and Chinese, thrown by the cast over the last days.

Thrown through the real service with the one clock moved back to each throw (`clock.travel`), so each bottle
has a believable age and still drifts for the rest of its 7 days; nobody's daily quota is near full.
Idempotent: it runs once, guarded by the cast's bottles.
"""

from datetime import timedelta

from django.db import transaction

from apps.accounts.models import User
from apps.accounts.seed import CAST
from apps.core import clock

from . import services
from .models import Bottle

# (who, hours ago, text)
BOTTLES = [
    (
        "liwei",
        70,
        "If you find this, tell me the best street food in your city. Mine: 生煎包 on Wujiang Road.",
    ),
    ("wangfang", 66, "今天加班到十点，谁来说句鼓励的话？☕"),
    ("zhangmin", 60, "鞍山的冬天很冷，但是我们的烧烤很热。你那里冷吗？"),
    ("chenjing", 54, "西湖边捡到一片银杏叶，夹在书里了。你最近读什么书？📚"),
    ("liuyang", 48, "Learning English for my trip to London. Any tips for a first-time visitor?"),
    ("zhaolei", 44, "成都今天出太阳了！想找个人一起聊聊火锅和音乐。"),
    ("sunli", 40, "广州的早茶，虾饺还是烧卖？投一票吧 🥟"),
    ("zhouxin", 36, "我是一名老师，今天学生问我：大海的尽头是什么？你会怎么回答？"),
    ("emma", 30, "Hello from Auckland! It's summer here. What season is it where you are? 🌊"),
    ("james", 26, "Running a workshop on Chinese social media next week. What app can't you live without?"),
    ("sophie", 22, "Bonjour ! I'm learning to write 你好. Can someone teach me one more word?"),
    ("tom", 18, "Four years in a village and I still can't cook rice properly. Help?"),
    ("liwei", 14, "外滩夜景很美，但一个人看有点孤单。你今晚在看什么风景？"),
    ("emma", 10, "A small win today: I ordered milk tea in Mandarin without pointing! 🧋"),
    ("chenjing", 8, "Sending a little calm from Hangzhou. Breathe in, breathe out."),
    ("zhaolei", 6, "你小时候的梦想是什么？我想当宇航员 🚀"),
    ("sophie", 5, "Paris is grey today. Tell me something that made you smile."),
    ("wangfang", 4, "北京今天刮大风，出门戴好帽子！你那里天气怎么样？"),
    ("james", 3, "Which is harder: learning Chinese tones or English spelling? Be honest."),
    ("sunli", 2, "刚学会做双皮奶，有人想要配方吗？"),
    ("tom", 1, "Yorkshire tea or Chinese green tea? I'm collecting votes."),
    ("zhangmin", 1, "Just testing the sea: if you read this, have a lovely day!"),
]


@transaction.atomic
def seed() -> None:
    """Fill the sea once (running it again adds nothing)."""
    people = {u.username: u for u in User.objects.filter(username__in=[p.username for p in CAST])}
    if len(people) < len(CAST) or Bottle.objects.filter(thrower__in=people.values()).exists():
        return
    for who, hours, text in sorted(BOTTLES, key=lambda b: -b[1]):  # oldest first
        with clock.travel(-timedelta(hours=hours)):
            services.bottle_throw(actor=people[who], text=text)


def summary() -> list[str]:
    """What `seed_demo` says of the sea."""
    drifting = Bottle.objects.filter(in_sea=True).count()
    return [
        f"Drift bottles: {drifting} in the sea (English and Chinese), Discover → Drift bottles",
        "each person throws and picks up to 20 a day (5 throws in an account's first day)",
    ]


def unseed() -> None:
    Bottle.objects.filter(thrower__username__in=[p.username for p in CAST]).delete()
