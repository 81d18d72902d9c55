"""Weibo test helpers for the posting and timeline tests (lane P)."""

from io import BytesIO

from PIL import Image

from apps.core import clock
from apps.microblog.models import Follow, TopicFollow


def png(size=(64, 48), colour=(255, 130, 0)) -> BytesIO:
    buffer = BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "photo.png"
    return buffer


def not_an_image() -> BytesIO:
    buffer = BytesIO(b"this is not a picture")
    buffer.name = "photo.png"
    return buffer


def follow(fan, followee) -> Follow:
    return Follow.objects.create(fan=fan, followee=followee, created_at=clock.now())


def follow_topic(person, topic) -> TopicFollow:
    return TopicFollow.objects.create(person=person, topic=topic, created_at=clock.now())
