"""Weibo live for every reader: counts move on a card, on the post page and in an embedded original while
someone else likes and comments; the square's "new posts" pill; the notification badges on Discover."""

import json

import pytest
from playwright.sync_api import expect

from apps.core import clock
from apps.microblog.models import Post
from apps.microblog.services import comments, likes, posts
from tests.conftest import SCREENS, in_thread, look_at
from tests.microblog.factories_comments import person


def opened(page):
    expect(page.locator("html[data-realtime=open]")).to_have_count(1)
    page.evaluate("window.__notReloaded = true")  # gone if anything reloads the page
    return page


def still_the_same_page(page):
    assert page.evaluate("window.__notReloaded === true")


def test_another_readers_like_and_comment_move_the_counts_on_my_open_square(
    page_as, liwei, wangfang, zhangmin
):
    original = in_thread(posts.post_create, actor=wangfang, text="今晚开抢")
    in_thread(posts.post_repost, actor=liwei, post=original, comment="冲")
    reader = opened(page_as(zhangmin, "/weibo/square/"))  # neither author, reposter nor liker
    card = reader.locator(f"#p{original.pk}")
    embedded = reader.locator(".mb-post .mb-origin")
    expect(embedded.locator('[data-count="likes"]')).to_have_text("0")

    other = opened(page_as(liwei, f"/weibo/posts/{original.pk}/"))
    other.locator(f"#p{original.pk}").get_by_role("button", name="Like").click()
    expect(card.locator('[data-count="likes"]')).to_have_text("1")
    expect(embedded.locator('[data-count="likes"]')).to_have_text("1")  # the original inside the repost card
    other.get_by_placeholder("Write a comment…").fill("我也要")
    other.get_by_role("button", name="Send").click()
    expect(card.locator('[data-count="comments"]')).to_have_text("1")
    expect(embedded.locator('[data-count="comments"]')).to_have_text("1")
    still_the_same_page(reader)
    SCREENS.mkdir(parents=True, exist_ok=True)
    reader.screenshot(path=str(SCREENS / "weibo-live-counts-en-390.png"), full_page=True)


def test_counts_move_on_an_open_post_page(page_as, liwei, wangfang, zhangmin):
    post = in_thread(posts.post_create, actor=wangfang, text="看这里")
    reader = opened(page_as(zhangmin, f"/weibo/posts/{post.pk}/"))
    in_thread(likes.post_like, actor=liwei, post_id=post.pk)
    expect(reader.locator(f'#p{post.pk} [data-count="likes"]')).to_have_text("1")
    still_the_same_page(reader)


def test_the_square_shows_new_posts_live_and_loads_them_on_tap(page_as, liwei, wangfang, zhangmin):
    in_thread(posts.post_create, actor=wangfang, text="第一条")
    reader = opened(page_as(zhangmin, "/weibo/square/"))  # follows nobody
    pill = reader.locator("[data-new-posts]")
    expect(reader.locator(".mb-post")).to_have_count(1)
    expect(pill).to_be_hidden()
    reading = reader.locator(".mb-post").first.bounding_box()
    in_thread(posts.post_create, actor=liwei, text="广场新鲜事")
    expect(pill).to_have_text("1 new post")
    expect(reader.locator(".mb-post")).to_have_count(1)  # nothing moves until the tap
    assert reader.locator(".mb-post").first.bounding_box() == reading  # the pill floats over it
    pill.click()
    expect(reader.locator(".mb-post")).to_have_count(2)
    expect(reader.locator(".mb-post").first).to_contain_text("广场新鲜事")
    # It came in above the post being read, which stayed put; the pill shows the way up to it.
    assert reader.locator(".mb-post").nth(1).bounding_box() == pytest.approx(reading, abs=1)
    expect(pill).to_have_text("New posts above ↑")
    pill.click()
    expect(pill).to_be_hidden()
    still_the_same_page(reader)


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_a_like_shows_on_the_discover_tab_and_the_weibo_entry_live(new_context, liwei, wangfang, locale):
    post = in_thread(posts.post_create, actor=wangfang, text="赞我")
    page = new_context(wangfang, locale).new_page()
    page.goto("/discover/")
    opened(page)
    tab, entry = page.locator('.tabbar [data-badge="discover"]'), page.locator('.cells [data-badge="weibo"]')
    expect(tab).to_be_hidden()
    expect(entry).to_be_hidden()
    in_thread(likes.post_like, actor=liwei, post_id=post.pk)
    expect(tab).to_have_text("1")
    expect(entry).to_have_text("1")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"weibo-discover-badge-{locale}-390.png"), full_page=True)
    page.locator(
        ".cells a", has=page.locator('[data-badge="weibo"]')
    ).click()  # the Weibo entry: its notifications are one tap away
    expect(page.locator('.mb-tabs [data-badge="weibo"]')).to_have_text("1")
    page.screenshot(path=str(SCREENS / f"weibo-home-notifications-link-{locale}-390.png"))
    page.locator(".mb-tabs a", has=page.locator('[data-badge="weibo"]')).click()
    like = page.locator('[data-badge="weibo.like"]')
    expect(like).to_have_text("1")
    in_thread(likes.post_like, actor=person("liker"), post_id=post.pk)
    expect(like).to_have_text("2")  # the open list asks for its counts when a notification arrives


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_screens_of_verified_names_and_the_square_pill(
    new_context, liwei, wangfang, zhangmin, sophie, locale
):
    """The pages this lane changed at 390 px (artifacts/screens/): V after commenters, repliers and notifiers."""
    wangfang.verified = "organisation"
    wangfang.save(update_fields=["verified"])
    zhangmin.verified = "person"
    zhangmin.save(update_fields=["verified"])
    post = in_thread(posts.post_create, actor=liwei, text="#Double 11# 今晚谁在抢？")
    first = in_thread(comments.comment_create, actor=wangfang, post_id=post.pk, text="我们零点开售！")
    reply = in_thread(
        comments.comment_create, actor=zhangmin, post_id=post.pk, text="冲", reply_to_id=first.pk
    )
    in_thread(comments.comment_create, actor=sophie, post_id=post.pk, text="me too", reply_to_id=reply.pk)
    in_thread(comments.comment_create, actor=wangfang, post_id=post.pk, text="欢迎", reply_to_id=first.pk)
    in_thread(likes.post_like, actor=wangfang, post_id=post.pk)
    page = new_context(liwei, locale).new_page()
    SCREENS.mkdir(parents=True, exist_ok=True)
    for path, name in (
        (f"/weibo/posts/{post.pk}/", "weibo-post-comments"),
        (f"/weibo/posts/{post.pk}/comments/", "weibo-comments"),
        (f"/weibo/comments/{first.pk}/replies/", "weibo-replies"),
        ("/weibo/notifications/comment/", "weibo-notifications-comment"),
        ("/weibo/notifications/like/", "weibo-notifications-like"),
        ("/discover/", "weibo-discover-entry"),
    ):
        page.goto(path)
        expect(page.locator("html[data-realtime=open]")).to_have_count(1)
        look_at(page, f"{name}-{locale}")
    page.goto("/weibo/square/")
    opened(page)
    in_thread(posts.post_create, actor=sophie, text="广场上的新微博")
    expect(page.locator("[data-new-posts]")).to_be_visible()
    page.screenshot(path=str(SCREENS / f"weibo-square-pill-{locale}-390.png"))


def test_a_long_scroll_follows_only_the_posts_near_the_screen(page_as, liwei, zhangmin):
    """However far the reader scrolls, the tab follows a bounded number of posts, and the ones on screen."""
    Post.objects.bulk_create(
        [Post(author=liwei, text=f"第{n}条", created_at=clock.now()) for n in range(100)]
    )
    page = page_as(zhangmin, "/weibo/square/")
    followed: set[str] = set()

    def frame_sent(payload):
        frame = json.loads(payload)
        pages = frame.get("data", {}).get("pages") or [frame.get("data", {}).get("page")]
        if frame["type"] == "join":
            followed.update(p for p in pages if p and p.startswith("weibo.post."))
        elif frame["type"] == "leave":
            followed.difference_update(pages)

    page.on("websocket", lambda ws: ws.on("framesent", frame_sent))
    page.reload()
    opened(page)
    for count in (40, 60, 80, 100):
        page.locator(".mb-post").last.scroll_into_view_if_needed()
        expect(page.locator(".mb-post")).to_have_count(count)
    last = page.locator(".mb-post").last
    last_id = last.get_attribute("data-post")
    last.scroll_into_view_if_needed()
    for _ in range(50):  # joins leave in batches (150 ms): wait for the one with the last card
        if f"weibo.post.{last_id}" in followed:
            break
        page.wait_for_timeout(100)
    assert f"weibo.post.{last_id}" in followed
    assert 0 < len(followed) <= 60
