"""Likes on posts and comments: once per person (also when taps race), counts by F(), the author told, 60/min."""

import pytest
from django.db import connections
from django.urls import reverse

from apps.core.errors import NotFound, RateLimited
from apps.microblog.models import CommentLike, Notification, PostLike
from apps.microblog.services import likes
from apps.microblog.services.likes import comment_like, comment_unlike, post_like, post_unlike

from .factories_comments import block, comment, person, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return person("author")


@pytest.fixture
def fan():
    return person("fan")


@pytest.fixture
def the_post(author):
    return post(author)


def _likes(obj):
    obj.refresh_from_db()
    return obj.likes


def test_a_like_counts_once_per_person(the_post, fan):
    assert post_like(actor=fan, post_id=the_post.pk) is True
    assert post_like(actor=fan, post_id=the_post.pk) is False
    assert _likes(the_post) == 1 and PostLike.objects.count() == 1


def test_unliking_takes_it_back_once(the_post, fan):
    post_like(actor=fan, post_id=the_post.pk)
    assert post_unlike(actor=fan, post_id=the_post.pk) is True
    assert post_unlike(actor=fan, post_id=the_post.pk) is False
    assert _likes(the_post) == 0


def test_the_author_is_told_of_a_like_once(the_post, author, fan):
    post_like(actor=fan, post_id=the_post.pk)
    post_unlike(actor=fan, post_id=the_post.pk)
    post_like(actor=fan, post_id=the_post.pk)
    post_like(actor=fan, post_id=the_post.pk)
    assert Notification.objects.filter(recipient=author, kind="like").count() == 2  # liked twice, told twice
    post_like(actor=author, post_id=the_post.pk)
    assert not Notification.objects.filter(recipient=author, actor=author).exists()


def test_a_like_pushes_the_posts_counts(the_post, author, fan, published_events):
    with published_events() as sent:
        post_like(actor=fan, post_id=the_post.pk)
    [counts] = [e for e in sent if e["type"] == "weibo.counts"]
    assert counts["data"] == {"post_id": the_post.pk, "reposts": 0, "comments": 0, "likes": 1}


def test_likes_on_comments(the_post, author, fan):
    c = comment(the_post, author)
    assert comment_like(actor=fan, comment_id=c.pk) is True
    assert comment_like(actor=fan, comment_id=c.pk) is False
    assert _likes(c) == 1
    note = Notification.objects.get(recipient=author, kind="like")
    assert (note.comment_id, note.post_id) == (c.pk, the_post.pk)
    assert comment_unlike(actor=fan, comment_id=c.pk) is True
    assert _likes(c) == 0 and not CommentLike.objects.exists()


def test_nothing_to_like_on_a_deleted_post_or_comment(the_post, author, fan):
    c = comment(the_post, author)
    c.deleted_at = c.created_at
    c.save()
    with pytest.raises(NotFound):
        comment_like(actor=fan, comment_id=c.pk)
    the_post.deleted_at = the_post.created_at
    the_post.save()
    with pytest.raises(NotFound):
        post_like(actor=fan, post_id=the_post.pk)


def test_a_blocker_is_not_told_of_a_like_by_the_person_they_blocked(the_post, author, fan):
    block(author, fan)
    post_like(actor=fan, post_id=the_post.pk)
    assert not Notification.objects.exists()


def test_sixty_likes_a_minute(author, fan, window_start):
    posts = [post(author, f"p{i}") for i in range(likes.LIKE_LIMIT + 1)]
    for p in posts[:-1]:
        post_like(actor=fan, post_id=p.pk)
    with pytest.raises(RateLimited):
        post_like(actor=fan, post_id=posts[-1].pk)
    assert _likes(posts[-1]) == 0


def test_the_like_button_answers_the_script_with_the_new_count(the_post, fan, client):
    client.force_login(fan)
    answer = client.post(reverse("microblog:post_like", args=[the_post.pk]), HTTP_ACCEPT="application/json")
    assert answer.json() == {"ok": True, "liked": True, "likes": 1}
    answer = client.post(reverse("microblog:post_unlike", args=[the_post.pk]), HTTP_ACCEPT="application/json")
    assert answer.json() == {"ok": True, "liked": False, "likes": 0}
    back = client.post(reverse("microblog:post_like", args=[the_post.pk]), {"next": "/somewhere"})
    assert back.status_code == 302 and back["Location"] == "/somewhere"
    offsite = client.post(
        reverse("microblog:post_unlike", args=[the_post.pk]), {"next": "https://evil.example/"}
    )
    assert "evil" not in offsite["Location"]


# --- Many taps at once (PostgreSQL: SQLite lets one writer in at a time, so no race can show there) ----------

from tests.concurrency import at_once  # noqa: E402


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql")
def test_a_like_is_once_per_person_when_many_tabs_tap_at_once():
    author, fan = person("racea"), person("racef")
    the_post = post(author)
    comment_row = comment(the_post, author)
    results = at_once(lambda _: post_like(actor=fan, post_id=the_post.pk), range(16), workers=16)
    assert sorted(results) == [False] * 15 + [True]
    assert _likes(the_post) == 1 and PostLike.objects.count() == 1
    results = at_once(lambda _: comment_like(actor=fan, comment_id=comment_row.pk), range(16), workers=16)
    assert results.count(True) == 1 and _likes(comment_row) == 1
    assert Notification.objects.filter(kind="like").count() == 2
    connections.close_all()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql")
def test_many_people_liking_at_once_lose_no_count():
    author = person("crowda")
    the_post = post(author)
    fans = [person("crowdf") for _ in range(24)]
    results = at_once(lambda f: post_like(actor=f, post_id=the_post.pk), fans, workers=24)
    assert all(r is True for r in results)
    assert _likes(the_post) == 24
