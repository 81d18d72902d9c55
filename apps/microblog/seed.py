"""Sample Weibo: follows among the cast, two brand accounts (blue V) hosting campaign topics, posts in both
languages, a three-deep repost chain, comment floors with replies, likes, and an hour of activity from many
people so the hot-search list is alive at first start.

Everything goes through the real services, so counts, notifications and topic activity are what they would be.
Each step runs with the one clock moved back to when it happened (`clock.travel`): the rows get believable
times, and the per-person rate limits count each step in that past minute's window, which no sample person
fills (the limits stay as they are for everyone). Steps run oldest first, so ids grow with time, as
timelines expect. Idempotent: it runs once, guarded by the brands' posts.
"""

from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction

from apps.accounts.models import User
from apps.accounts.seed import CAST, DEMO_PASSWORD, avatar_png
from apps.core import clock
from apps.microblog.models import HotTopic, Post, Topic
from apps.microblog.selectors.topics import topic_named
from apps.microblog.services import comments, follows, likes, posts, topics

# (username, display name, bio): brand accounts, verified as organisations (blue V).
BRANDS = [
    ("lumiphone", "鹿米手机 Lumi Phone", "Lumi Phone official · 鹿米手机官方微博"),
    ("pandatea", "熊猫茶饮 Panda Tea", "Panda Tea official · 熊猫茶饮官方微博 🐼🍵"),
]
VERIFIED_PEOPLE = ["james"]  # an orange V: the workshop's host, a known name on Weibo

# Who follows whom (a week ago), so nobody's Home is empty.
FOLLOWS = {
    "liwei": ["wangfang", "zhangmin", "chenjing", "emma", "james", "lumiphone"],
    "wangfang": ["liwei", "zhangmin", "sunli", "pandatea"],
    "zhangmin": ["liwei", "wangfang", "zhouxin"],
    "chenjing": ["liwei", "liuyang", "sunli", "pandatea"],
    "liuyang": ["chenjing", "zhaolei", "lumiphone"],
    "zhaolei": ["liuyang", "pandatea"],
    "sunli": ["wangfang", "chenjing", "pandatea"],
    "zhouxin": ["zhangmin", "tom"],
    "emma": ["liwei", "james", "sophie", "lumiphone"],
    "james": ["emma", "tom", "liwei", "lumiphone", "pandatea"],
    "sophie": ["emma", "james", "lumiphone"],
    "tom": ["james", "zhouxin"],
}
TOPIC_FOLLOWS = [("sophie", "Double 11"), ("liwei", "上海下雪了")]
# (topic, host, introduction, key of the pinned post)
CAMPAIGNS = [
    (
        "Double 11",
        "lumiphone",
        "Lumi Phone's 11.11 campaign: ¥500 off the Lumi 12, and every repost enters the draw for one of 11 "
        "phones. 双十一：鹿米12立减500元，转发抽11台手机。",
        "lumi-double11",
    ),
    (
        "春节红包",
        "pandatea",
        "熊猫茶饮春节红包：每天转发，领一个茶饮红包 🧧 Panda Tea's New Year red packets: repost once a day.",
        "panda-hongbao",
    ),
]

DAY = 24 * 60
# The script, in minutes before now. Post:    ("post", key, who, minutes, text)
#                                     Repost:  ("repost", key, who, minutes, key reposted, comment)
#                                     Comment: ("comment", key, who, minutes, post key, text, key replied to)
#                                     Like:    ("like", who, minutes, post key) / ("like_comment", who, minutes, key)
# Grouped by thread to read; run oldest first.
SCRIPT = [
    ("post", "lumi-hello", "lumiphone", 6 * DAY, "鹿米手机官方微博开通啦！Hello Weibo 👋 Lumi Phone is here."),
    ("post", "panda-hello", "pandatea", 6 * DAY, "熊猫茶饮官方账号上线 🐼 New flavours every season, 每季新品。"),
    ("post", "james-workshop", "james", 5 * DAY,
     "Next week in Shanghai: a workshop on Weibo, where brands and netizens talk in public. "
     "Bring your phone! @liwei is hosting the room."),
    ("comment", "c-ws-1", "liwei", 5 * DAY - 30, "james-workshop", "Room 301, Monday 9:00. 不见不散！", None),
    ("post", "zhaolei-hotpot", "zhaolei", 4 * DAY, "#周末火锅# 成都的火锅，这周末谁来？🌶️🌶️🌶️"),
    ("post", "chenjing-lake", "chenjing", 3 * DAY, "West Lake at dawn, nobody around. 西湖的清晨 #杭州#"),
    ("like", "liwei", 3 * DAY - 60, "chenjing-lake"),
    ("like", "sunli", 3 * DAY - 50, "chenjing-lake"),
    # The campaigns (their topics' hosts pin these).
    ("post", "lumi-double11", "lumiphone", 2 * DAY,
     "#Double 11# is coming! Lumi 12: ¥500 off on 11.11, and every repost enters the draw for one of 11 "
     "phones. 双十一来了，转发抽奖送11台鹿米12！"),
    ("post", "panda-hongbao", "pandatea", 2 * DAY - 30,
     "#春节红包# 春节集红包活动预告：每天转发，领取熊猫茶饮红包 🧧 Chinese New Year red packets, every day."),
    # A comment thread on the campaign: floors with replies (floor in floor), likes on comments.
    ("comment", "c-d11-a", "wangfang", 2 * DAY - 60, "lumi-double11", "去年双十一我买了两台 😂", None),
    ("comment", "c-d11-a1", "lumiphone", 2 * DAY - 70, "lumi-double11", "谢谢支持！今年更优惠哦 ❤️", "c-d11-a"),
    ("comment", "c-d11-a2", "liuyang", 2 * DAY - 80, "lumi-double11", "硬件参数呢？电池多大？", "c-d11-a1"),
    ("comment", "c-d11-a3", "lumiphone", 2 * DAY - 90, "lumi-double11", "5,000 mAh，90 W 快充 ⚡", "c-d11-a2"),
    ("comment", "c-d11-b", "sophie", 2 * DAY - 100, "lumi-double11",
     "Luxury brands could learn from this campaign.", None),
    ("comment", "c-d11-b1", "james", 2 * DAY - 110, "lumi-double11",
     "Agreed, the repost draw is the clever part.", "c-d11-b"),
    ("like_comment", "liuyang", 2 * DAY - 120, "c-d11-a3"),
    ("like_comment", "emma", 2 * DAY - 120, "c-d11-b"),
    ("like_comment", "tom", 2 * DAY - 120, "c-d11-b"),
    ("like", "sophie", 2 * DAY - 130, "lumi-double11"),
    ("like", "liwei", 2 * DAY - 130, "lumi-double11"),
    ("like", "zhaolei", 2 * DAY - 140, "panda-hongbao"),
    ("post", "emma-mandarin", "emma", DAY, "Mandarin lesson 12: 我想喝奶茶 — I'd like a milk tea. @pandatea 🧋"),
    ("comment", "c-em-1", "wangfang", DAY - 20, "emma-mandarin", "说得很好！👏", None),
    ("comment", "c-em-2", "emma", DAY - 30, "emma-mandarin", "谢谢王芳！", "c-em-1"),
    ("post", "tom-village", "tom", 20 * 60,
     "Four years in a Chinese village taught me: everyone has a phone, and everyone is on Weibo."),
    # --- The last hour: hot search counts distinct people, the last 10 minutes three times. ---
    # #上海下雪了#: 14 people, 11 in the last 10 minutes (boiling 沸).
    ("post", "liwei-snow", "liwei", 50, "外滩下雪了！上海好多年没见过这么大的雪 ❄️ #上海下雪了#"),
    ("post", "emma-snow", "emma", 45, "Snow in Shanghai! My first Chinese snow ☃️ #上海下雪了#"),
    ("post", "wangfang-snow", "wangfang", 40, "北京的雪见多了，上海的雪才稀罕 #上海下雪了#"),
    ("repost", "sophie-snow", "sophie", 9, "liwei-snow", "Magnifique ❄️"),
    ("post", "chenjing-snow", "chenjing", 8, "杭州也下了！断桥残雪，名不虚传 #上海下雪了# #杭州#"),
    ("repost", "zhangmin-snow", "zhangmin", 8, "emma-snow", "鞍山人表示淡定 😎"),
    ("post", "james-snow", "james", 7, "Workshop moved indoors, obviously. #上海下雪了#"),
    ("repost", "tom-snow", "tom", 7, "liwei-snow", "Even the village group chat is talking about it."),
    ("post", "zhaolei-snow", "zhaolei", 6, "成都人羡慕哭了 😭 #上海下雪了#"),
    ("repost", "sunli-snow", "sunli", 5, "liwei-snow", "广州人：雪是什么？"),
    ("repost", "liuyang-snow", "liuyang", 4, "liwei-snow", "拍得真好"),
    ("post", "zhouxin-snow", "zhouxin", 4, "鞍山老师路过，给上海的朋友们点个赞 #上海下雪了#"),
    ("post", "lumi-snow", "lumiphone", 3, "下雪天，用鹿米12夜景模式拍雪景更清晰 📸 #上海下雪了#"),
    ("post", "panda-snow", "pandatea", 2, "雪天来一杯热奶茶 🧋 #上海下雪了#"),
    ("comment", "c-sn-a", "zhangmin", 30, "liwei-snow", "鞍山的雪比这大多了 😄", None),
    ("comment", "c-sn-a1", "liwei", 29, "liwei-snow", "那你来上海看看稀罕的雪", "c-sn-a"),
    ("comment", "c-sn-a2", "zhouxin", 28, "liwei-snow", "鞍山人+1", "c-sn-a"),
    ("comment", "c-sn-b", "emma", 27, "liwei-snow", "Beautiful photo spot!", None),
    ("like", "wangfang", 48, "liwei-snow"),
    ("like", "emma", 47, "liwei-snow"),
    ("like", "james", 30, "liwei-snow"),
    ("like", "chenjing", 20, "liwei-snow"),
    ("like", "sophie", 9, "liwei-snow"),
    ("like", "liwei", 44, "emma-snow"),
    ("like_comment", "liwei", 26, "c-sn-b"),
    # #Double 11#: a repost chain three deep, and more (8 people, 3 of them lately: hot 热).
    ("post", "sophie-d11", "sophie", 50, "#Double 11# Luxury brands are joining this year too. Watch the livestreams."),
    ("repost", "emma-d11", "emma", 35, "lumi-double11", "Need a new phone anyway 😄"),
    ("repost", "james-d11", "james", 30, "emma-d11", "Marketing 101: make people repost. @emma is in!"),
    ("repost", "tom-d11", "tom", 25, "james-d11", "A village shop I know did this with red packets first."),
    ("post", "liuyang-d11", "liuyang", 20, "Lumi 12 teardown coming after #Double 11# @lumiphone 🔧"),
    ("repost", "chenjing-d11", "chenjing", 6, "lumi-double11", "抽我抽我 🙏"),
    ("repost", "wangfang-d11", "wangfang", 5, "lumi-double11", "已加购物车 🛒"),
    ("comment", "c-d11-c", "sunli", 4, "lumi-double11", "#Double 11# 去年的快递还没到 😂", None),
    ("like", "liwei", 24, "tom-d11"),
    ("like", "emma", 24, "james-d11"),
    # #春节红包#: 4 people earlier in the hour (new 新).
    ("repost", "zhouxin-hb", "zhouxin", 50, "panda-hongbao", "已关注，等红包 🧧"),
    ("post", "sunli-hb", "sunli", 45, "#春节红包# 去年抢到 8.88 元，今年冲！"),
    ("post", "zhaolei-hb", "zhaolei", 38, "#春节红包# 今年大家准备发多少？"),
    ("repost", "wangfang-hb", "wangfang", 30, "panda-hongbao", "转发了，求红包"),
    # #周末火锅#: 3 people (new 新).
    ("post", "liuyang-hp", "liuyang", 33, "#周末火锅# 这周六我订位，老地方"),
    ("comment", "c-hp-a", "sunli", 28, "zhaolei-hotpot", "#周末火锅# 算我一个！", None),
    ("post", "chenjing-hp", "chenjing", 22, "Hangzhou people can do spicy too. #周末火锅#"),
]  # fmt: skip


def _minutes(step) -> int:
    return step[3] if step[0] in {"post", "repost", "comment"} else step[2]


def _brands(password_hash: str) -> dict[str, User]:
    brands = {}
    for username, name, bio in BRANDS:
        brand = User.objects.filter(username=username).first()
        if brand is None:
            brand = User(username=username, public_id=username, display_name=name, bio=bio, region="Shanghai")
            brand.password = password_hash
            brand.verified = User.Verified.ORGANISATION
            brand.avatar.save(f"{username}.png", ContentFile(avatar_png(username, size=128)), save=False)
            brand.save()
        brands[username] = brand
    return brands


def _run(step, people: dict[str, User], made: dict[str, object]) -> None:
    kind = step[0]
    if kind == "post":
        _kind, key, who, _m, text = step
        made[key] = posts.post_create(actor=people[who], text=text)
    elif kind == "repost":
        _kind, key, who, _m, of, comment = step
        made[key] = posts.post_repost(actor=people[who], post=made[of], comment=comment)
    elif kind == "comment":
        _kind, key, who, _m, on, text, reply_to = step
        reply_to_id = made[reply_to].pk if reply_to else None
        made[key] = comments.comment_create(
            actor=people[who], post_id=made[on].pk, text=text, reply_to_id=reply_to_id
        )
    elif kind == "like":
        likes.post_like(actor=people[step[1]], post_id=made[step[3]].pk)
    elif kind == "like_comment":
        likes.comment_like(actor=people[step[1]], comment_id=made[step[3]].pk)


@transaction.atomic
def seed() -> None:
    """Create the sample Weibo once (running it again adds nothing), then refresh hot search."""
    cast = {u.username: u for u in User.objects.filter(username__in=[p.username for p in CAST])}
    if len(cast) < len(CAST):
        return
    brand_names = [b[0] for b in BRANDS]
    if not Post.objects.filter(author__username__in=brand_names).exists():
        people = {**cast, **_brands(make_password(DEMO_PASSWORD))}
        User.objects.filter(username__in=VERIFIED_PEOPLE, verified="").update(verified=User.Verified.PERSON)
        with clock.travel(-timedelta(days=7)):
            for fan, followees in FOLLOWS.items():
                for followee in followees:
                    follows.follow_create(actor=people[fan], followee=people[followee])
        made: dict[str, object] = {}
        for step in sorted(SCRIPT, key=_minutes, reverse=True):  # oldest first (a stable sort)
            with clock.travel(-timedelta(minutes=_minutes(step))):
                _run(step, people, made)
        for name, host, introduction, pinned in CAMPAIGNS:
            topic = topic_named(name)
            Topic.objects.filter(pk=topic.pk).update(host=people[host])  # what a moderator does in the admin
            topics.topic_introduction_edit(
                actor=people[host],
                topic_id=topic.pk,
                introduction=introduction,
                pinned_post_id=made[pinned].pk,
            )
        for who, name in TOPIC_FOLLOWS:
            topics.topic_follow(actor=people[who], topic=topic_named(name))
    topics.hot_search_refresh()


def unseed() -> None:
    """Remove the brands (their posts go with them) and the sample topics; the cast's posts go with the cast."""
    User.objects.filter(username__in=[b[0] for b in BRANDS]).delete()
    names = {name for name, *_rest in CAMPAIGNS} | {"上海下雪了", "周末火锅", "杭州"}
    Topic.objects.filter(pk__in=[t.pk for t in map(topic_named, names) if t]).delete()
    HotTopic.objects.all().delete()
