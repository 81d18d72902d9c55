"""The live "N new posts" pill on a topic's page and on a person's page: one phone posts with a #topic#, another
reading the topic sees the pill appear, taps it, and the new post comes in above what it was reading, which
stays where it was on the screen."""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Block
from apps.core import clock
from apps.microblog.services import posts
from tests.conftest import SCREENS, in_thread, look_at
from tests.microblog.helpers_posts import follow
from tests.microblog.topics_kit import make_post, make_topic

SNOW = "/weibo/t/上海下雪了/"


def opened(page):
    """The page once its socket is open and its live page joined: weibo.js sends the join as the page starts,
    and the socket answers in order, so once a later request is answered the join is done."""
    expect(page.locator("html[data-realtime=open]")).to_have_count(1)
    page.evaluate("() => window.Realtime.send('weibo.unread', {})")
    page.evaluate("window.__notReloaded = true")  # gone if anything reloads the page
    return page


def still_the_same_page(page):
    assert page.evaluate("window.__notReloaded === true")


def top_of(locator) -> float:
    return locator.bounding_box()["y"]


def stays_at(locator, where: float) -> None:
    """The card is where it was on the screen, to the pixel (scrolling lands on device pixels, not CSS ones)."""
    assert top_of(locator) == pytest.approx(where, abs=1)


def test_a_post_with_a_topic_shows_live_on_the_topic_page_and_loads_above_what_i_read(
    new_context, liwei, wangfang, zhangmin
):
    snow = make_topic("上海下雪了")
    first = make_post(wangfang, "#上海下雪了# 外滩的雪", topic=snow)
    reader = new_context(zhangmin).new_page()
    reader.goto(SNOW + "?sort=new")
    opened(reader)
    pill = reader.locator("[data-new-posts]")
    reading = reader.locator(f"#p{first.pk}")
    expect(reading).to_contain_text("外滩的雪")
    expect(pill).to_be_hidden()
    where = top_of(reading)

    poster = new_context(liwei).new_page()
    poster.goto("/weibo/compose/")
    poster.locator("#post-text").fill("#上海下雪了# 人民广场也下了")
    poster.get_by_role("button", name="Post").click()
    expect(poster.get_by_text("Posted.")).to_be_visible()

    expect(pill).to_have_text("1 new post")
    expect(reader.locator(".mb-post")).to_have_count(1)  # nothing comes in until the tap
    stays_at(reading, where)
    pill.click()
    expect(reader.locator(".mb-post")).to_have_count(2)
    expect(reader.locator(".mb-post").first).to_contain_text("人民广场也下了")
    expect(reader.locator(".mb-post").first).to_be_in_viewport()
    stays_at(reading, where)  # the post I was reading has not moved on the screen
    expect(pill).to_be_hidden()  # the new post fitted above it, in sight
    still_the_same_page(reader)
    SCREENS.mkdir(parents=True, exist_ok=True)
    reader.screenshot(path=str(SCREENS / "weibo-topic-pill-loaded-en-390.png"))


def test_the_hot_view_offers_the_newest_one(page_as, liwei, wangfang, zhangmin):
    snow = make_topic("上海下雪了")
    make_post(wangfang, "#上海下雪了# 点赞最多", topic=snow, likes=9)
    reader = opened(page_as(zhangmin, SNOW))
    pill = reader.locator("[data-new-posts]")
    in_thread(posts.post_create, actor=liwei, text="#上海下雪了# 刚刚发的")
    expect(pill).to_have_text("1 new post · see newest")
    expect(reader.locator(".mb-post")).to_have_count(1)  # the ranked list stays as it is
    pill.click()
    expect(reader).to_have_url(f"{reader.url.split('?')[0]}?sort=new")
    expect(reader.locator(".mb-post").first).to_contain_text("刚刚发的")


def test_a_topic_pill_counts_neither_posts_elsewhere_nor_blocked_nor_deleted_ones(
    page_as, liwei, wangfang, zhangmin, sophie
):
    snow = make_topic("上海下雪了")
    make_post(wangfang, "#上海下雪了# 第一条", topic=snow)
    follow(zhangmin, sophie)  # her posts reach zhangmin's tabs for Home: not this topic's pill
    Block.objects.create(blocker=zhangmin, blocked=liwei, created_at=clock.now())
    reader = opened(page_as(zhangmin, SNOW + "?sort=new"))
    pill = reader.locator("[data-new-posts]")
    in_thread(posts.post_create, actor=sophie, text="和下雪无关")
    in_thread(posts.post_create, actor=liwei, text="#上海下雪了# 被拉黑的人")
    doomed = in_thread(posts.post_create, actor=wangfang, text="#上海下雪了# 发错了")
    expect(pill).to_have_text("1 new post")
    in_thread(posts.post_delete, actor=wangfang, post_id=doomed.pk)
    expect(pill).to_be_hidden()
    in_thread(posts.post_create, actor=wangfang, text="#上海下雪了# 重新发")
    expect(pill).to_have_text("1 new post")
    pill.click()
    expect(reader.locator(".mb-post")).to_have_count(2)
    expect(reader.locator(".mb-post").first).to_contain_text("重新发")


def test_a_persons_page_shows_their_new_posts_and_reposts_live(page_as, liwei, wangfang, zhangmin):
    original = make_post(liwei, "原文")
    first = make_post(wangfang, "她的第一条")
    reader = opened(page_as(zhangmin, f"/weibo/u/{wangfang.public_id}/"))
    pill = reader.locator("[data-new-posts]")
    reading = reader.locator(f"#p{first.pk}")
    where = top_of(reading)
    in_thread(posts.post_create, actor=liwei, text="不是她的")
    in_thread(posts.post_repost, actor=wangfang, post=original, comment="转发")
    expect(pill).to_have_text("1 new post")
    stays_at(reading, where)  # the pill floats over the posts, under the header, moving none of them
    pill.click()
    expect(reader.locator(".mb-post")).to_have_count(2)
    expect(reader.locator(".mb-post").first).to_contain_text("转发")
    stays_at(reading, where)
    still_the_same_page(reader)


def test_loaded_out_of_sight_the_pill_offers_the_way_up(page_as, liwei, wangfang, zhangmin):
    snow = make_topic("上海下雪了")
    for n in range(8):
        make_post(wangfang, f"#上海下雪了# 第{n}条", topic=snow)
    reader = opened(page_as(zhangmin, SNOW + "?sort=new"))
    reading = reader.locator(".mb-post").filter(has_text="第2条")  # the sixth card, newest first
    reading.scroll_into_view_if_needed()
    where = top_of(reading)
    pill = reader.locator("[data-new-posts]")
    in_thread(posts.post_create, actor=liwei, text="#上海下雪了# 新的一条")
    expect(pill).to_have_text("1 new post")
    pill.click()
    expect(reader.locator(".mb-post")).to_have_count(9)
    expect(pill).to_have_text("New posts above ↑")
    stays_at(reading, where)
    SCREENS.mkdir(parents=True, exist_ok=True)
    reader.screenshot(path=str(SCREENS / "weibo-topic-pill-above-en-390.png"))
    pill.click()  # now the reader asks to go up
    expect(pill).to_be_hidden()
    newest = reader.locator(".mb-post").first
    expect(newest).to_contain_text("新的一条")
    assert top_of(newest) >= top_of(reader.locator(".topbar")) + 40  # all of it below the app bar


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_screens_of_the_topic_pill(new_context, liwei, wangfang, locale):
    snow = make_topic("上海下雪了", introduction="上海今冬第一场雪 · Shanghai's first snow this winter")
    for n in range(3):
        make_post(wangfang, f"#上海下雪了# 外滩的雪 {n} 好美", topic=snow, likes=n)
    page = new_context(wangfang, locale).new_page()
    SCREENS.mkdir(parents=True, exist_ok=True)
    for sort, expected in (
        ("new", {"en": "2 new posts", "zh-hans": "2 条新微博"}),
        ("hot", {"en": "2 new posts · see newest", "zh-hans": "2 条新微博 · 查看最新"}),
    ):
        page.goto(f"{SNOW}?sort={sort}")
        opened(page)
        in_thread(posts.post_create, actor=liwei, text="#上海下雪了# 人民广场也下了")
        in_thread(posts.post_create, actor=liwei, text="#上海下雪了# 静安寺也下了")
        pill = page.locator("[data-new-posts]")
        expect(pill).to_have_text(expected[locale])
        look_at(page, f"weibo-topic-pill-{sort}-{locale}", full_page=False)
