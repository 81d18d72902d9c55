"""Posting: text, pictures, topics and mentions saved together or not at all; reposts; deleting one's own."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from apps.accounts.models import Block
from apps.core import clock
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.microblog import rendering
from apps.microblog.models import Mention, Notification, Post, PostImage, PostTopic, Topic, TopicActivity
from apps.microblog.services import posts
from tests.microblog.helpers_posts import follow, follow_topic, not_an_image, png

pytestmark = pytest.mark.django_db


def weibo_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "weibo"
    return sorted(folder.iterdir()) if folder.exists() else []


# --- Text, topics, mentions ---------------------------------------------------------------------------------


def test_topics_are_saved_with_their_activity_and_counted(liwei, wangfang):
    first = posts.post_create(actor=liwei, text="#上海下雪了# 好冷 #Double 11#")
    posts.post_create(actor=wangfang, text="#上海下雪了#！")
    snow = Topic.objects.get(key="上海下雪了")
    assert snow.posts == 2
    assert set(PostTopic.objects.filter(post=first).values_list("topic__name", flat=True)) == {
        "上海下雪了",
        "Double 11",
    }
    assert TopicActivity.objects.filter(topic=snow).count() == 2


def test_a_topic_is_one_row_whatever_its_spelling(liwei):
    posts.post_create(actor=liwei, text="#Double 11#")
    posts.post_create(actor=liwei, text="#double  11# ＃ＤＯＵＢＬＥ 11＃")
    assert Topic.objects.count() == 1
    assert Topic.objects.get().name == "Double 11"  # the first spelling stays


def test_a_topic_created_by_someone_else_meanwhile_is_reused(liwei, monkeypatch):
    """Two first uses at once: the loser of the unique key reads the winner's row, and its post is saved."""
    created = Topic.objects.create(name="猫", key="猫", created_at=clock.now())
    real_filter = Topic.objects.filter
    looks = []

    def stale_first_look(*args, **kwargs):  # the first look happened before the other post committed
        if "key__in" in kwargs and not looks:
            looks.append(kwargs)
            return Topic.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Topic.objects, "filter", stale_first_look)
    post = posts.post_create(actor=liwei, text="#猫#")
    assert looks
    assert list(PostTopic.objects.filter(post=post).values_list("topic", flat=True)) == [created.pk]
    assert Topic.objects.count() == 1


def test_mentions_link_and_notify_by_public_id_or_username(liwei, wangfang, emma, published_events):
    with published_events() as sent:
        post = posts.post_create(actor=liwei, text="@WANGFANG 看雪 @emma_demo @nobody_here")
    assert set(Mention.objects.filter(post=post).values_list("person__username", flat=True)) == {
        "wangfang",
        "emma",
    }
    told = Notification.objects.filter(kind="mention", post=post)
    assert set(told.values_list("recipient__username", flat=True)) == {"wangfang", "emma"}
    assert any(e["type"] == "weibo.notification" and wangfang.pk in e["user_ids"] for e in sent)


def test_a_mention_of_someone_who_blocked_the_author_neither_links_nor_notifies(liwei, zhangmin):
    Block.objects.create(blocker=zhangmin, blocked=liwei, created_at=clock.now())
    post = posts.post_create(actor=liwei, text="@zhangmin 你好")
    assert not Mention.objects.filter(post=post).exists()
    assert not Notification.objects.filter(recipient=zhangmin).exists()


def test_two_thousand_characters_post_and_one_more_is_refused(liwei):
    posts.post_create(actor=liwei, text="字" * 2000)
    with pytest.raises(DomainError, match="at most 2000"):
        posts.post_create(actor=liwei, text="字" * 2001)
    assert Post.objects.count() == 1


def test_an_empty_post_is_refused(liwei):
    with pytest.raises(DomainError, match="Write something"):
        posts.post_create(actor=liwei, text="   \n ")
    assert not Post.objects.exists()


def test_the_new_post_is_announced_to_fans_and_topic_followers_but_not_blockers(
    liwei, wangfang, zhangmin, chenjing, sunli, published_events
):
    follow(wangfang, liwei)
    follow(zhangmin, liwei)
    Block.objects.create(blocker=zhangmin, blocked=liwei, created_at=clock.now())
    follow_topic(chenjing, Topic.objects.create(name="猫", key="猫", created_at=clock.now()))
    with published_events() as sent:
        post = posts.post_create(actor=liwei, text="#猫#")
    [event] = [e for e in sent if e["type"] == "weibo.post" and "user_ids" in e]
    assert event["data"] == {"id": post.pk, "author_id": liwei.pk, "origin_author_id": None}
    assert event["user_ids"] == sorted([wangfang.pk, chenjing.pk])  # not sunli, not the blocker zhangmin
    # ... and once to the tabs showing the public square (its "N new posts" pill), naming it.
    [square] = [e for e in sent if e["type"] == "weibo.post" and e.get("page") == "weibo.square"]
    assert square["data"] == {**event["data"], "page": "weibo.square"}


# --- Pictures -------------------------------------------------------------------------------------------------


def test_pictures_are_saved_with_thumbnails_in_order(liwei):
    post = posts.post_create(actor=liwei, text="三张", uploads=[png(), png((800, 600)), png((30, 900))])
    pictures = list(PostImage.objects.filter(post=post))
    assert [p.position for p in pictures] == [0, 1, 2]
    assert (pictures[1].width, pictures[1].height) == (800, 600)
    assert all(p.thumbnail.name.startswith("weibo/t_") for p in pictures)
    stored = {p.image.name for p in pictures} | {p.thumbnail.name for p in pictures}
    assert all((Path(settings.MEDIA_ROOT) / name).is_file() for name in stored) and len(stored) == 6


def test_a_bad_third_picture_saves_nothing(liwei):
    before = weibo_files()
    with pytest.raises(DomainError, match="Picture 3"):
        posts.post_create(actor=liwei, text="坏图", uploads=[png(), png(), not_an_image()])
    assert not Post.objects.exists() and not PostImage.objects.exists()
    assert weibo_files() == before


def test_a_failure_after_the_files_are_stored_removes_them(liwei, monkeypatch):
    before = weibo_files()

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(posts, "_save_topics", broken)
    with pytest.raises(RuntimeError):
        posts.post_create(actor=liwei, text="#x#", uploads=[png()])
    assert not Post.objects.exists() and weibo_files() == before


def test_more_than_nine_pictures_are_refused(liwei):
    with pytest.raises(DomainError, match="at most 9"):
        posts.post_create(actor=liwei, text="十张", uploads=[png() for _ in range(10)])
    assert not Post.objects.exists()


def test_a_post_of_pictures_only_is_fine(liwei):
    assert posts.post_create(actor=liwei, text="", uploads=[png()]).text == ""


# --- Rate limit -----------------------------------------------------------------------------------------------


def test_ten_posts_a_minute_then_a_clear_refusal(liwei, window_start):
    for n in range(10):
        posts.post_create(actor=liwei, text=f"第{n}条")
    with pytest.raises(RateLimited, match="10 times a minute"):
        posts.post_create(actor=liwei, text="第十一条")
    assert Post.objects.count() == 10


def test_a_refused_picture_does_not_use_up_the_rate_limit(liwei, window_start):
    for _ in range(3):
        with pytest.raises(DomainError):
            posts.post_create(actor=liwei, text="x", uploads=[not_an_image()])
    for n in range(10):
        posts.post_create(actor=liwei, text=f"{n}")
    assert Post.objects.count() == 10


# --- Reposts --------------------------------------------------------------------------------------------------


@pytest.fixture
def chain(liwei, wangfang, zhangmin):
    """liwei's original, reposted by wangfang, whose repost zhangmin reposts: three deep."""
    original = posts.post_create(actor=liwei, text="原文 #上海下雪了#")
    middle = posts.post_repost(actor=wangfang, post=original, comment="好美")
    top = posts.post_repost(actor=zhangmin, post=middle, comment="转了")
    return original, middle, top


def test_a_repost_of_a_repost_reads_as_a_chain_and_credits_the_original(chain, liwei, wangfang):
    original, middle, top = chain
    assert top.text == f"转了//@{wangfang.public_id}: 好美"
    assert top.origin_id == original.pk and top.repost_of_id == middle.pk
    original.refresh_from_db()
    middle.refresh_from_db()
    assert (original.reposts, middle.reposts) == (2, 1)
    assert Notification.objects.filter(recipient=liwei, kind="repost").count() == 2
    assert Notification.objects.filter(recipient=wangfang, kind="repost").count() == 1


def test_the_chain_links_the_person_it_names(chain, client_as, zhangmin, wangfang):
    _original, _middle, top = chain
    page = client_as(zhangmin).get(reverse("microblog:post", args=[top.pk])).content.decode()
    assert 'class="mb-mention"' in page and f"@{wangfang.public_id}</a>" in page


def test_reposting_updates_counts_live(liwei, wangfang, published_events):
    original = posts.post_create(actor=liwei, text="原文")
    with published_events() as sent:
        posts.post_repost(actor=wangfang, post=original, comment="")
    counts = [e for e in sent if e["type"] == "weibo.counts"]
    assert counts[0]["data"] == {"post_id": original.pk, "reposts": 1, "comments": 0, "likes": 0}
    assert counts[0]["page"] == f"weibo.post.{original.pk}"


def test_a_deleted_middle_keeps_the_chain_text_and_the_original(chain, client_as, wangfang, zhangmin):
    original, middle, top = chain
    posts.post_delete(actor=wangfang, post_id=middle.pk)
    original.refresh_from_db()
    assert original.reposts == 1
    page = client_as(zhangmin).get(reverse("microblog:post", args=[top.pk])).content.decode()
    assert "好美" in page and "原文" in page and "This post has been deleted" not in page
    with pytest.raises(DomainError):
        posts.post_repost(actor=zhangmin, post=middle, comment="")


def test_a_deleted_original_shows_as_deleted_in_every_chain(chain, client_as, liwei, sunli):
    original, middle, top = chain
    posts.post_delete(actor=liwei, post_id=original.pk)
    for post in (middle, top):
        page = client_as(sunli).get(reverse("microblog:post", args=[post.pk])).content.decode()
        assert "This post has been deleted." in page and "原文" not in page
    square = client_as(sunli).get(reverse("microblog:square")).content.decode()
    assert square.count("This post has been deleted.") == 2
    with pytest.raises(DomainError, match="deleted"):
        posts.post_repost(actor=sunli, post=original, comment="")
    posts.post_repost(actor=sunli, post=top, comment="还能转")  # the chain itself still goes on


def test_nobody_reposts_a_post_by_someone_who_blocked_them(liwei, zhangmin):
    original = posts.post_create(actor=liwei, text="原文")
    Block.objects.create(blocker=liwei, blocked=zhangmin, created_at=clock.now())
    with pytest.raises(DomainError, match="can't repost"):
        posts.post_repost(actor=zhangmin, post=original, comment="")
    assert Post.objects.count() == 1


# --- Delete ---------------------------------------------------------------------------------------------------


def test_only_the_author_deletes_a_post(liwei, wangfang, client_as):
    post = posts.post_create(actor=liwei, text="我的")
    with pytest.raises(NotFound):
        posts.post_delete(actor=wangfang, post_id=post.pk)
    response = client_as(wangfang).post(reverse("microblog:delete", args=[post.pk]))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.deleted_at is None
    posts.post_delete(actor=liwei, post_id=post.pk)
    post.refresh_from_db()
    assert post.deleted_at is not None


# --- Pages ----------------------------------------------------------------------------------------------------


def test_compose_page_posts_and_shows_errors_without_saving(liwei, client_as):
    client = client_as(liwei)
    assert client.get(reverse("microblog:compose")).status_code == 200
    bad = client.post(
        reverse("microblog:compose"), {"text": "坏 #图#", "images": [png(), png(), not_an_image()]}
    )
    assert bad.status_code == 400
    assert "Picture 3" in bad.content.decode() and "坏 #图#" in bad.content.decode()
    assert not Post.objects.exists()
    good = client.post(reverse("microblog:compose"), {"text": "好 #图#", "images": [png()]})
    assert good.status_code == 302
    assert Post.objects.get().text == "好 #图#"


def test_repost_page(liwei, wangfang, client_as):
    original = posts.post_create(actor=liwei, text="原文")
    client = client_as(wangfang)
    assert client.get(reverse("microblog:repost", args=[original.pk])).status_code == 200
    assert client.post(reverse("microblog:repost", args=[original.pk]), {"comment": "好"}).status_code == 302
    assert Post.objects.filter(author=wangfang, origin=original).exists()


def test_the_pages_speak_chinese(liwei, client_as):
    posts.post_create(actor=liwei, text="原文")
    client = client_as(liwei)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("microblog:home")).content.decode()
    assert "广场" in page and "微博" in page


def test_a_repost_is_activity_on_the_original_s_topics(liwei, wangfang, window_start):
    original = posts.post_create(actor=liwei, text="#上海下雪了# 好冷")
    posts.post_repost(actor=wangfang, post=original, comment="转 #外滩#")
    snow = Topic.objects.get(key="上海下雪了")
    assert snow.posts == 2
    assert set(TopicActivity.objects.filter(topic=snow).values_list("person__username", flat=True)) == {
        "liwei",
        "wangfang",
    }
    assert Topic.objects.get(key="外滩").posts == 1


@pytest.mark.parametrize("name", ["上海下雪了", "Double 11", "a/b", "100%", "what? #no", "é&<>'\"", "~:@!$"])
def test_card_links_to_a_topic_are_its_pages_url(name):
    """The card fills one reversed pattern per page with each topic: it must quote as reverse() does."""
    assert rendering._Links().topic(name) == reverse("microblog:topic", args=[name])


def test_card_links_to_a_person_are_their_pages_url(liwei):
    assert rendering._Links().person(liwei) == reverse("microblog:person", args=[liwei.public_id])
