"""Sample chats: 1:1 histories between friends, a few groups, and "Workshop 2026" with everyone."""

from datetime import timedelta

from django.db import transaction

from apps.accounts.models import User
from apps.accounts.seed import CAST
from apps.chat import services
from apps.chat.models import Conversation, Membership, Message
from apps.core import clock

DIRECT = {
    ("liwei", "wangfang"): [
        ("wangfang", "李伟，周末有空吗？"),
        ("liwei", "有的，怎么了？"),
        ("wangfang", "想请你帮忙看看我们的小程序 😊"),
        ("liwei", "没问题，周六下午外滩见？"),
        ("wangfang", "好的，不见不散！"),
    ],
    ("liwei", "emma"): [
        ("emma", "Hi Li Wei! Thanks for adding me."),
        ("liwei", "Welcome to Shanghai, Emma!"),
        ("emma", "我在学中文。How do I say 'see you tomorrow'?"),
        ("liwei", "明天见 (míngtiān jiàn) 👋"),
    ],
    ("liwei", "james"): [
        ("james", "Slides for Monday's workshop are ready."),
        ("liwei", "Great, I'll share the group QR code at the start."),
    ],
    ("emma", "sophie"): [("sophie", "Dinner on Friday?"), ("emma", "Yes please! 🍜")],
    ("wangfang", "zhangmin"): [("zhangmin", "鞍山今天下雪了"), ("wangfang", "好美！发张照片看看")],
}

GROUPS = [
    (
        "Workshop 2026",
        "liwei",
        None,  # everyone in the cast
        "Welcome! Monday 9:00, Room 301. Bring your phone, Wi-Fi: socialdemo / 2026. 周一上午9点，301室。",
        [
            ("liwei", "Welcome everyone to the Workshop 2026 group 🎉"),
            ("james", "Hello from London!"),
            ("wangfang", "大家好！"),
            ("tom", "Looking forward to it."),
            ("zhouxin", "鞍山的朋友们也来了"),
        ],
    ),
    (
        "周末火锅群",
        "zhaolei",
        ["zhaolei", "liuyang", "chenjing", "sunli"],
        "",
        [("zhaolei", "这周六吃火锅？"), ("liuyang", "+1"), ("sunli", "我带饮料")],
    ),
    (
        "Expats in Shanghai",
        "emma",
        ["emma", "james", "sophie", "liwei"],
        "",
        [("sophie", "Any recommendations for a good dentist?"), ("liwei", "I'll send you one I like.")],
    ),
]


def _post(conv: Conversation, sender: User, text: str, when) -> None:
    # A quiet write (no live events): the sample data predates anyone being online.
    conv.refresh_from_db()
    seq = conv.last_seq + 1
    Message.objects.create(conversation=conv, seq=seq, sender=sender, kind="text", text=text, created_at=when)
    Conversation.objects.filter(pk=conv.pk).update(last_seq=seq, last_message_at=when)
    Membership.objects.filter(conversation=conv, user=sender).update(last_read_seq=seq)


@transaction.atomic
def seed() -> None:
    """Create the sample chats once; running it again changes nothing."""
    people = {u.username: u for u in User.objects.filter(username__in=_usernames())}
    if len(people) < 12:
        return
    start = clock.now() - timedelta(hours=6)
    for (a, b), lines in DIRECT.items():
        conv = services.conversation_direct_get_or_create(a=people[a], b=people[b], allow_strangers=True)
        if conv.last_seq:
            continue
        for n, (who, text) in enumerate(lines):
            _post(conv, people[who], text, start + timedelta(minutes=7 * n))
        # The first line of each chat stays unread for the other person: a badge to show.
    for index, (name, owner, members, announcement, lines) in enumerate(GROUPS):
        if Conversation.objects.filter(kind=Conversation.Kind.GROUP, name=name).exists():
            continue
        when = start + timedelta(minutes=50 + index * 20)
        conv = Conversation.objects.create(
            kind=Conversation.Kind.GROUP,
            name=name,
            owner=people[owner],
            announcement=announcement,
            announcement_at=when if announcement else None,
            created_at=when,
            last_message_at=when,
        )
        usernames = members or list(people)
        for username in usernames:
            role = Membership.Role.OWNER if username == owner else Membership.Role.MEMBER
            Membership.objects.create(conversation=conv, user=people[username], role=role, joined_at=when)
        for n, (who, text) in enumerate(lines):
            _post(conv, people[who], text, when + timedelta(minutes=3 * n + 1))


def unseed() -> None:
    names = [g[0] for g in GROUPS]
    Conversation.objects.filter(kind=Conversation.Kind.GROUP, name__in=names).delete()
    people = {u.username: u for u in User.objects.filter(username__in=_usernames())}
    for a, b in DIRECT:
        if a in people and b in people:
            low, high = sorted([people[a].pk, people[b].pk])
            Conversation.objects.filter(direct_key__in=[f"{low}:{high}", f"s{low}:{high}"]).delete()


def _usernames() -> list[str]:
    return [p.username for p in CAST]
