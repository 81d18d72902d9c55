"""The sample cast: the same people in `make demo`, in the workshop and in the test suite."""

import hashlib
import io
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw

from apps.accounts.models import FriendRequest, Friendship, User
from apps.core import clock

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the published sample password


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str
    region: str
    bio: str
    gender: str = ""


CAST = [
    Person("liwei", "李伟", "Shanghai", "Coffee, code and the Bund at night.", "male"),
    Person("wangfang", "王芳", "Beijing", "做一个温暖的人。", "female"),
    Person("zhangmin", "张敏", "Anshan", "鞍山的夏天最好看", "female"),
    Person("chenjing", "陈静", "Hangzhou", "West Lake walks and Longjing tea.", "female"),
    Person("liuyang", "刘洋", "Shenzhen", "Hardware startups · 硬件创业", "male"),
    Person("zhaolei", "赵磊", "Chengdu", "火锅是一种生活态度", "male"),
    Person("sunli", "孙丽", "Guangzhou", "Dim sum every Sunday.", "female"),
    Person("zhouxin", "周鑫", "Anshan", "Steel city kid, now a teacher.", "male"),
    Person("emma", "Emma Wilson", "Auckland", "Kiwi marketer learning Mandarin. 你好!", "female"),
    Person("james", "James Taylor", "London", "Running social media workshops in Shanghai.", "male"),
    Person("sophie", "Sophie Martin", "Paris", "Luxury brands in China.", "female"),
    Person("tom", "Tom McDonald", "Yorkshire", "Anthropologist. Four years in a Chinese village.", "male"),
]

# Pairs who are already friends, and requests waiting for an answer (from, to, message).
FRIENDS = [
    ("liwei", "wangfang"),
    ("liwei", "zhangmin"),
    ("liwei", "chenjing"),
    ("liwei", "emma"),
    ("liwei", "james"),
    ("wangfang", "zhangmin"),
    ("wangfang", "sunli"),
    ("zhangmin", "zhouxin"),
    ("chenjing", "liuyang"),
    ("emma", "james"),
    ("emma", "sophie"),
    ("james", "tom"),
    ("liuyang", "zhaolei"),
    ("sunli", "chenjing"),
    ("tom", "zhouxin"),
]
PENDING = [
    ("tom", "liwei", "I'm Tom, we met at the Shanghai workshop"),
    ("zhaolei", "liwei", "我是赵磊"),
    ("sophie", "wangfang", "Bonjour! I'm Sophie"),
]
REMARKS = [("liwei", "zhangmin", "Min (Anshan)")]
# A staff account for the Django admin (moderation), not one of the cast.
MODERATOR = "moderator"

PALETTE = ["#07C160", "#10AEFF", "#FA9D3B", "#FA5151", "#8B5CF6", "#1485EE", "#E64340", "#576B95"]


def avatar_png(seed: str, size: int = 256) -> bytes:
    """A symmetric 5×5 pattern in a colour of the person's own, like a GitHub identicon."""
    digest = hashlib.sha256(seed.encode()).digest()
    colour = PALETTE[digest[0] % len(PALETTE)]
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    tint = tuple(int(c * 0.18 + 255 * 0.82) for c in (red, green, blue))
    image = Image.new("RGB", (size, size), tint)
    draw = ImageDraw.Draw(image)
    cell = size // 6
    margin = (size - cell * 5) // 2
    for row in range(5):
        for col in range(3):
            if digest[1 + row * 3 + col] % 3:
                for c in {col, 4 - col}:
                    x, y = margin + c * cell, margin + row * cell
                    draw.rectangle([x, y, x + cell - 1, y + cell - 1], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def sample_logins() -> list[User]:
    return list(User.objects.filter(username__in=[p.username for p in CAST]).order_by("id"))


SAMPLE_ACCOUNT_AGE = timedelta(days=180)


@transaction.atomic
def seed(*, with_avatars: bool = True, stdout=None) -> dict[str, User]:
    """Create the cast, their friendships and requests; running it again changes nothing."""
    now = clock.now()
    people: dict[str, User] = {}
    # One (deliberately slow) hash per run, shared by every sample person: the password is published anyway.
    demo_hash = None
    for person in CAST:
        user = User.objects.filter(username=person.username).first()
        if user is None:
            user = User(
                username=person.username,
                display_name=person.display_name,
                public_id=f"{person.username}_demo" if len(person.username) < 6 else person.username,
                region=person.region,
                bio=person.bio,
                gender=person.gender,
                # On the app for months, as the people they stand for: no newcomer's limits (drift bottles).
                date_joined=now - SAMPLE_ACCOUNT_AGE,
            )
            demo_hash = demo_hash or make_password(DEMO_PASSWORD)
            user.password = demo_hash
            if with_avatars and person.username not in {"tom", "sophie"}:  # two keep the initials look
                user.avatar.save(
                    f"{person.username}.png", ContentFile(avatar_png(person.username)), save=False
                )
            user.save()
        people[person.username] = user
    for a, b in FRIENDS:
        for owner, friend in ((a, b), (b, a)):
            Friendship.objects.get_or_create(
                owner=people[owner], friend=people[friend], defaults={"created_at": now}
            )
    for sender, recipient, message in PENDING:
        if not Friendship.objects.filter(owner=people[sender], friend=people[recipient]).exists():
            FriendRequest.objects.get_or_create(
                from_user=people[sender],
                to_user=people[recipient],
                status=FriendRequest.Status.PENDING,
                defaults={"message": message, "created_at": now},
            )
    for owner, friend, remark in REMARKS:
        Friendship.objects.filter(owner=people[owner], friend=people[friend], remark="").update(remark=remark)
    if not User.objects.filter(username=MODERATOR).exists():
        User.objects.create(
            username=MODERATOR,
            password=demo_hash or make_password(DEMO_PASSWORD),
            display_name="Moderator",
            public_id="moderator",
            is_staff=True,
            is_superuser=True,
        )
    return people


def summary() -> list[str]:
    """What `seed_demo` prints of the cast: who they are and their password."""
    return [
        f"Sample users ready ({len(CAST)}), password: {DEMO_PASSWORD}",
        ", ".join(p.username for p in CAST),
    ]


def unseed() -> None:
    User.objects.filter(username__in=[p.username for p in CAST] + [MODERATOR]).delete()
