"""Weibo in the browser: post with a new #topic# and find it; a second phone sees "1 new post" live and loads it."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.core import clock
from apps.microblog.models import Follow, Post
from apps.microblog.services import posts
from tests.conftest import SCREENS, in_thread, look_at
from tests.microblog.helpers_posts import png


def test_post_with_a_new_topic_and_find_it_in_the_square_and_on_its_page(page_as, liwei, wangfang):
    page = page_as(liwei, "/weibo/compose/")
    box = page.get_by_label("What's happening?")
    box.fill("第一场雪 #上海下雪了# @wangfang 快看")
    expect(page.locator("#post-count")).to_have_text("25 / 2000")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_text("Posted.")).to_be_visible()

    page.get_by_role("link", name="Square").click()
    card = page.locator(".mb-post", has_text="第一场雪")
    expect(card.get_by_role("link", name="#上海下雪了#")).to_be_visible()
    expect(card.get_by_role("link", name="@wangfang")).to_be_visible()
    card.locator(".mb-time").click()
    expect(page.locator(".mb-post .mb-text")).to_contain_text("第一场雪 #上海下雪了#")


def test_a_second_phone_sees_new_posts_live_and_loads_them_on_tap(page_as, liwei, wangfang):
    Follow.objects.create(fan=wangfang, followee=liwei, created_at=timezone.now())
    in_thread(posts.post_create, actor=liwei, text="早上好")
    reader = page_as(wangfang, "/weibo/")
    expect(reader.locator("html[data-realtime=open]")).to_have_count(1)
    expect(reader.locator(".mb-post")).to_have_count(1)
    pill = reader.locator("[data-new-posts]")
    expect(pill).to_be_hidden()

    in_thread(posts.post_create, actor=liwei, text="下雪了 #上海下雪了#")
    in_thread(posts.post_create, actor=liwei, text="真的下雪了")
    expect(pill).to_have_text("2 new posts")
    expect(reader.locator(".mb-post")).to_have_count(1)  # nothing moves until the tap
    pill.click()
    expect(reader.locator(".mb-post")).to_have_count(3)
    expect(reader.locator(".mb-post").first).to_contain_text("真的下雪了")
    # They came in above the post being read, which stayed put; the pill shows the way up to them.
    expect(pill).to_have_text("New posts above ↑")
    pill.click()
    expect(pill).to_be_hidden()


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_screens_of_weibo_pages(new_context, cast, liwei, wangfang, locale):
    """Timeline, square, post page, composer and repost page at 390 px (artifacts/screens/)."""
    wangfang.verified = "organisation"
    wangfang.save(update_fields=["verified"])
    liwei.verified = "person"
    liwei.save(update_fields=["verified"])
    Follow.objects.create(fan=liwei, followee=wangfang, created_at=timezone.now())
    original = in_thread(
        posts.post_create,
        actor=wangfang,
        text="#Double 11# 今晚零点开抢！" + "全场五折，" * 30 + "https://example.com/sale",
        uploads=[png(colour=c) for c in ((255, 130, 0), (20, 120, 200), (40, 160, 90), (200, 50, 50))],
    )
    middle = in_thread(posts.post_repost, actor=liwei, post=original, comment="冲！@wangfang")
    in_thread(posts.post_repost, actor=cast["zhangmin"], post=middle, comment="一起")
    in_thread(posts.post_create, actor=liwei, text="#上海下雪了# 外滩好美", uploads=[png()])
    SCREENS.mkdir(parents=True, exist_ok=True)
    page = new_context(liwei, locale).new_page()
    for path, name in (
        ("/weibo/", "weibo-home"),
        ("/weibo/square/", "weibo-square"),
        (f"/weibo/posts/{original.pk}/", "weibo-post"),
        ("/weibo/compose/", "weibo-compose"),
        (f"/weibo/posts/{middle.pk}/repost/", "weibo-repost"),
    ):
        page.goto(path)
        expect(page.locator("html[data-realtime=open]")).to_have_count(1)
        look_at(page, f"{name}-{locale}")
    page.goto("/weibo/square/")
    page.locator(".mb-grid a").first.click()
    expect(page.locator("dialog[data-viewer]")).to_be_visible()
    page.screenshot(path=str(SCREENS / f"weibo-viewer-{locale}-390.png"))
    page.keyboard.press("Escape")
    expect(page.locator("dialog[data-viewer]")).to_be_hidden()


def test_scrolling_down_loads_older_posts(page_as, liwei):
    Post.objects.bulk_create([Post(author=liwei, text=f"第{n}条", created_at=clock.now()) for n in range(45)])
    page = page_as(liwei, "/weibo/")
    expect(page.locator(".mb-post")).to_have_count(20)
    page.locator(".mb-post").last.scroll_into_view_if_needed()
    expect(page.locator(".mb-post")).to_have_count(40)
    page.locator(".mb-post").last.scroll_into_view_if_needed()
    expect(page.locator(".mb-post")).to_have_count(45)
    expect(page.locator(".mb-post").last).to_contain_text("第0条")


def test_liking_on_home_presses_the_button_and_the_author_sees_the_count_live(page_as, liwei, wangfang):
    Follow.objects.create(fan=liwei, followee=wangfang, created_at=timezone.now())
    in_thread(posts.post_create, actor=wangfang, text="点个赞吧")
    author = page_as(wangfang, "/weibo/")
    expect(author.locator("html[data-realtime=open]")).to_have_count(1)
    reader = page_as(liwei, "/weibo/")
    card = reader.locator(".mb-post", has_text="点个赞吧")
    like = card.get_by_role("button", name="Like")
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_contain_text("1")
    expect(reader).to_have_url(re.compile(r"/weibo/$"))  # toggled in place, no page load
    expect(author.locator('.mb-post [data-count="likes"]')).to_have_text("1")  # weibo.counts, live
    like.click()
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(like).to_contain_text("0")
    expect(author.locator('.mb-post [data-count="likes"]')).to_have_text("0")
