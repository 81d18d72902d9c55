"""Lane T's test helpers: people, topics, posts and topic activity made directly with the models."""

from datetime import timedelta

from apps.accounts.models import User
from apps.core import clock
from apps.microblog.models import Post, PostTopic, Topic
from apps.microblog.services.topic_activity import activity_record
from apps.microblog.text import topic_key


def make_people(n: int, prefix: str = "p") -> list[User]:
    User.objects.bulk_create(
        [
            User(username=f"{prefix}{i}", public_id=f"{prefix}x{i:05d}", display_name=f"{prefix} {i}")
            for i in range(n)
        ]
    )
    return list(User.objects.filter(username__startswith=prefix).order_by("pk"))


def make_topic(name: str, *, age: timedelta = timedelta(days=2), **fields) -> Topic:
    return Topic.objects.create(name=name, key=topic_key(name), created_at=clock.now() - age, **fields)


def activity(topic: Topic, people, *, minutes_ago: float, times: int = 1) -> None:
    """Each of `people` active with `topic` `minutes_ago`, `times` times, as a post or comment records it."""
    at = clock.now() - timedelta(minutes=minutes_ago)
    for person in people:
        for _ in range(times):
            activity_record([topic], person=person, at=at)


def make_post(author: User, text: str = "hello", *, topic: Topic | None = None, **fields) -> Post:
    post = Post.objects.create(
        author=author, text=text, created_at=fields.pop("created_at", clock.now()), **fields
    )
    if topic is not None:
        PostTopic.objects.create(post=post, topic=topic)
    return post
