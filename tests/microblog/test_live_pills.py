"""The "N new posts" pill of a topic's page and of a person's page: a tab showing one joins its live page
(`weibo.topic.<id>`, `weibo.person.<id>`) and hears each new post that page would show, once, and the post's
deletion; tapping the pill loads the posts newer than the newest shown."""

import json

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse

from apps.accounts.models import Block
from apps.core import clock, realtime
from apps.microblog.models import Topic
from apps.microblog.services import posts
from tests.core.test_realtime import open_tab, receive
from tests.microblog.helpers_posts import follow
from tests.microblog.topics_kit import make_post, make_topic

live = pytest.mark.django_db(transaction=True)
db = pytest.mark.django_db


async def showing(user, page):
    """A tab of `user` that has joined live page `page` (what weibo.js does on the page's first load)."""
    tab, _, _ = await open_tab(user)
    await receive(tab)  # hello
    await tab.send_to(text_data=json.dumps({"type": "join", "ref": "j", "data": {"page": page}}))
    while (frame := await receive(tab)).get("ref") != "j":
        pass
    assert frame["type"] == "ack", frame
    return tab


async def heard(tab, kind="weibo.post"):
    """The next `kind` event the tab hears (presence and other news skipped)."""
    while True:
        frame = await receive(tab)
        if frame["type"] == kind:
            return frame["data"]


async def hears_no_post(tab):
    """True if no `weibo.post` event arrives in a moment."""
    while not await tab.receive_nothing(timeout=0.4):
        if (await receive(tab))["type"] == "weibo.post":
            return False
    return True


create = database_sync_to_async(posts.post_create)


def topic_page(topic):
    return f"weibo.topic.{topic.pk}"


def person_page(person):
    return f"weibo.person.{person.pk}"


# --- What a tab hears ----------------------------------------------------------------------------------------


@live
async def test_a_tab_showing_a_topic_hears_a_post_tagged_with_it_and_not_one_tagged_with_another(
    wangfang, zhangmin
):
    snow = await database_sync_to_async(make_topic)("上海下雪了")
    reader = await showing(zhangmin, topic_page(snow))  # follows neither the author nor the topics
    await create(actor=wangfang, text="#Double 11# 零点开抢")
    tagged = await create(actor=wangfang, text="外滩 #上海下雪了# 好美")
    # The first post the tab hears of is the tagged one: the other one never came.
    data = await heard(reader)
    assert data == {
        "id": tagged.pk,
        "author_id": wangfang.pk,
        "origin_author_id": None,
        "page": topic_page(snow),
    }
    await create(actor=wangfang, text="#double 11# 还有半小时")
    assert await hears_no_post(reader)
    await reader.disconnect()


@live
async def test_a_tab_showing_a_person_hears_their_new_post_and_not_someone_elses(wangfang, liwei, zhangmin):
    reader = await showing(zhangmin, person_page(wangfang))
    await create(actor=liwei, text="不是她写的")
    theirs = await create(actor=wangfang, text="她的新微博")
    data = await heard(reader)
    assert (data["id"], data["page"]) == (theirs.pk, person_page(wangfang))
    assert await hears_no_post(reader)
    await reader.disconnect()


@live
async def test_a_tab_showing_a_topic_hears_a_deleted_post_taken_back(wangfang, zhangmin):
    snow = await database_sync_to_async(make_topic)("上海下雪了")
    reader = await showing(zhangmin, topic_page(snow))
    post = await create(actor=wangfang, text="#上海下雪了# 发错了")
    assert (await heard(reader))["id"] == post.pk
    await database_sync_to_async(posts.post_delete)(actor=wangfang, post_id=post.pk)
    assert await heard(reader, "weibo.post_deleted") == {"id": post.pk, "page": topic_page(snow)}
    await reader.disconnect()


@db
@pytest.mark.parametrize("name", ["weibo.topic.7", "weibo.person.7"])
def test_topic_and_person_pages_can_be_joined_by_id_only(name):
    assert realtime.is_page(name)
    assert not realtime.is_page(name.replace("7", "x"))


# --- Which pages a post is announced on ------------------------------------------------------------------


def pages_told(sent, kind="weibo.post"):
    return [e["page"] for e in sent if e["type"] == kind and "page" in e]


@db
def test_a_post_with_several_topics_is_announced_once_on_each_topics_page(wangfang, published_events):
    with published_events() as sent:
        post = posts.post_create(actor=wangfang, text="#猫# #Double 11# 和 #double 11# 又一次 #猫#")
    cat, sale = Topic.objects.get(key="猫"), Topic.objects.get(key="double 11")
    assert sorted(pages_told(sent)) == sorted(
        ["weibo.square", person_page(wangfang), topic_page(cat), topic_page(sale)]
    )
    assert {e["data"]["id"] for e in sent if e["type"] == "weibo.post"} == {post.pk}


@db
def test_a_repost_is_announced_on_the_reposters_page_and_its_own_topics_not_the_originals(
    wangfang, liwei, published_events
):
    original = posts.post_create(actor=wangfang, text="#猫# 原文")
    with published_events() as sent:
        repost = posts.post_repost(actor=liwei, post=original, comment="转 #狗#")
    cat, dog = Topic.objects.get(key="猫"), Topic.objects.get(key="狗")
    # The repost is filed under #狗# (its comment), and shows on liwei's page, not wangfang's nor #猫#'s.
    assert sorted(pages_told(sent)) == sorted(["weibo.square", person_page(liwei), topic_page(dog)])
    [event] = [e for e in sent if e["type"] == "weibo.post" and e.get("page") == topic_page(dog)]
    # The original's author travels with it: a reader who blocked them does not count the repost.
    assert event["data"] == {
        "id": repost.pk,
        "author_id": liwei.pk,
        "origin_author_id": wangfang.pk,
        "page": topic_page(dog),
    }
    assert topic_page(cat) not in pages_told(sent)


@db
def test_deleting_a_post_takes_it_back_wherever_it_was_announced(wangfang, liwei, zhangmin, published_events):
    follow(liwei, wangfang)
    with published_events() as sent:
        post = posts.post_create(actor=wangfang, text="#猫# 马上删")
    announced = sorted(pages_told(sent))
    sent.clear()
    with published_events() as sent:
        posts.post_delete(actor=wangfang, post_id=post.pk)
    assert sorted(pages_told(sent, "weibo.post_deleted")) == announced
    [home] = [e for e in sent if e["type"] == "weibo.post_deleted" and "user_ids" in e]
    assert home["user_ids"] == [liwei.pk] and home["data"] == {"id": post.pk}  # a fan's Home pill too


@db
def test_a_post_rolled_back_is_announced_nowhere(wangfang, published_events, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(posts, "_save_mentions", broken)
    with published_events() as sent, pytest.raises(RuntimeError):
        posts.post_create(actor=wangfang, text="#猫# 不会发出")
    assert not [e for e in sent if e["type"] == "weibo.post"]


# --- The pages and what a tap loads --------------------------------------------------------------------------


@db
def test_a_topics_newest_view_joins_its_live_page_and_hot_offers_to_switch(client, wangfang, zhangmin):
    topic = make_topic("sale")
    make_post(wangfang, "#sale# one", topic=topic)
    Block.objects.create(blocker=zhangmin, blocked=wangfang, created_at=clock.now())
    client.force_login(zhangmin)
    url = reverse("microblog:topic", args=["sale"])
    new = client.get(url, {"sort": "new"}).text
    assert f'data-feed-page="weibo.topic.{topic.pk}"' in new
    assert f'data-feed-muted="{wangfang.pk}"' in new  # whom zhangmin blocked: her pill leaves them out
    assert "data-new-posts-switch" not in new
    hot = client.get(url).text
    assert f'data-feed-page="weibo.topic.{topic.pk}"' in hot and 'data-new-posts-switch="?sort=new"' in hot
    assert "data-feed-page" not in client.get(url, {"sort": "new", "before": 999}).text  # an older page


@db
def test_the_squares_pill_leaves_out_whom_the_reader_blocked(client, wangfang, zhangmin):
    Block.objects.create(blocker=zhangmin, blocked=wangfang, created_at=clock.now())
    client.force_login(zhangmin)
    html = client.get(reverse("microblog:square")).text
    assert 'data-feed-page="weibo.square"' in html and f'data-feed-muted="{wangfang.pk}"' in html


@db
def test_a_persons_page_joins_their_live_page(client, wangfang, zhangmin):
    make_post(wangfang, "hello")
    client.force_login(zhangmin)
    html = client.get(reverse("microblog:person", args=[wangfang.public_id])).text
    assert f'data-feed-page="weibo.person.{wangfang.pk}"' in html and 'data-feed-muted=""' in html


@db
def test_the_topic_pill_loads_only_the_new_posts_the_reader_may_see(client, wangfang, liwei, zhangmin):
    topic = make_topic("sale")
    shown = make_post(wangfang, "already on screen", topic=topic)
    make_post(wangfang, "elsewhere")  # not tagged
    make_post(liwei, "by someone blocked", topic=topic)
    make_post(wangfang, "deleted since", topic=topic, deleted_at=clock.now())
    newer = make_post(wangfang, "the new one", topic=topic)
    pinned = make_post(wangfang, "pinned by the host", topic=topic)
    Topic.objects.filter(pk=topic.pk).update(pinned_post=pinned)
    Block.objects.create(blocker=zhangmin, blocked=liwei, created_at=clock.now())
    client.force_login(zhangmin)
    feed = reverse("microblog:topic_feed", args=[topic.pk])
    html = client.get(feed, {"after": shown.pk}).text
    assert "the new one" in html and f'data-feed-newest="{newer.pk}"' in html
    for hidden in ("already on screen", "elsewhere", "blocked", "deleted since", "pinned by the host"):
        assert hidden not in html, hidden
    nothing = client.get(feed, {"after": pinned.pk}).text
    assert 'class="mb-post"' not in nothing and f'data-feed-newest="{pinned.pk}"' in nothing
    assert client.get(feed, {"after": "x"}).status_code == 400
    assert client.get(reverse("microblog:topic_feed", args=[topic.pk + 99])).status_code == 404


@db
def test_the_topic_feed_scrolls_down_newest_first(client, wangfang, zhangmin):
    topic = make_topic("many")
    made = [make_post(wangfang, f"post number {i:02d}", topic=topic) for i in range(25)]
    client.force_login(zhangmin)
    feed = reverse("microblog:topic_feed", args=[topic.pk])
    first = client.get(feed).text
    assert "post number 24" in first and "post number 04" not in first
    cursor = made[5].pk
    assert f'data-feed-next="{cursor}"' in first
    more = client.get(feed, {"before": cursor}).text
    assert "post number 04" in more and "post number 05" not in more and 'data-feed-next=""' in more


@db
def test_a_persons_pill_loads_their_posts_newer_than_the_newest_shown(client, wangfang, liwei, zhangmin):
    shown = make_post(wangfang, "already on screen")
    make_post(liwei, "not hers")
    make_post(wangfang, "her new one")
    client.force_login(zhangmin)
    html = client.get(reverse("microblog:person_feed", args=[wangfang.public_id]), {"after": shown.pk}).text
    assert "her new one" in html and "already on screen" not in html and "not hers" not in html


@db
def test_the_topic_pill_load_costs_the_same_queries_for_one_post_as_for_many(
    client, wangfang, zhangmin, django_assert_max_num_queries
):
    topic = make_topic("busy")
    shown = make_post(wangfang, "on screen", topic=topic)
    make_post(wangfang, "#busy# new 0", topic=topic, repost_of=shown, origin=shown)
    client.force_login(zhangmin)
    feed = reverse("microblog:topic_feed", args=[topic.pk])
    client.get(feed, {"after": shown.pk})
    with django_assert_max_num_queries(8) as one:
        client.get(feed, {"after": shown.pk})
    for i in range(1, 60):
        make_post(wangfang, f"#busy# new {i}", topic=topic, repost_of=shown, origin=shown)
    with django_assert_max_num_queries(len(one)):
        html = client.get(feed, {"after": shown.pk}).text
    assert html.count('class="mb-post"') == 50  # at most timelines.NEWER_MAX at once, as on the timelines
