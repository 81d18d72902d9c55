"""Reply inside a Weibo comment thread on a phone: the reply lands under its floor, "N more replies" opens the
rest, likes toggle in place, the post's author finds it in their notifications. Both languages, axe-clean,
no CSP violation; screenshots in artifacts/screens/weibo-*.

Lane C's own comments page (/weibo/posts/<id>/comments/) is tested here; the post page that includes the
same thread belongs to lane P."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from apps.microblog.models import Comment
from tests.conftest import SCREENS
from tests.microblog.factories_comments import comment, post

axe = Axe()


def _clean(page, name, locale):
    page.wait_for_load_state("networkidle")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"weibo-{name}-{locale}-390.png"), full_page=True)
    found = axe.run(page).response["violations"]
    return [f"{name}: {v['id']} {[n['target'] for n in v['nodes']]}" for v in found]


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_reply_inside_a_thread(new_context, liwei, wangfang, zhangmin, chenjing, locale):
    the_post = post(liwei, "#上海下雪了# The Bund under snow this morning ❄️")
    floor = comment(the_post, zhangmin, "好美！What camera? <b>not bold</b>")
    comment(the_post, chenjing, "Leica, surely", reply_to=floor)
    comment(the_post, liwei, "Just my phone 😄", reply_to=floor)
    comment(the_post, chenjing, "Hot take: Hangzhou snow is prettier", likes=2)
    problems: list[str] = []
    errors: list[str] = []

    page = new_context(wangfang, locale).new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"/weibo/posts/{the_post.pk}/comments/")
    thread = page.locator("[data-comments]")
    floors = thread.locator(".mb-floor")
    expect(floors).to_have_count(2)
    expect(floors.first).to_contain_text("Hangzhou")  # hot: the liked floor first
    expect(thread).to_contain_text("<b>not bold</b>")  # what people write is text
    problems += _clean(page, "comments", locale)

    # Reply to Li Wei's reply inside Zhang Min's floor, without leaving the page.
    floor_item = page.locator(f"#c{floor.pk}")
    floor_item.locator("[data-reply]").nth(2).click()
    expect(page.locator("[data-replying]")).to_be_visible()
    expect(page.locator("[data-replying-name]")).to_have_text(str(liwei))
    page.get_by_role("textbox").fill("Lucky you, it's grey in Beijing")
    url_before = page.url
    page.locator("[data-comment-form] button").click()
    more = page.locator(f"#c{floor.pk} [data-more-replies]")
    expect(more).to_have_text(re.compile("1"))  # the third reply waits behind "1 more reply"
    assert page.url == url_before
    mine = Comment.objects.get(text="Lucky you, it's grey in Beijing")
    assert (mine.floor_id, mine.reply_to.author_id) == (floor.pk, liwei.pk)
    expect(
        page.locator(f"[data-comments] [data-post-count='{the_post.pk}'][data-count='comments']")
    ).to_have_text("5")

    more.click()
    reply = page.locator(f"#c{mine.pk}")
    expect(reply).to_contain_text("Lucky you")
    expect(reply).to_contain_text(f"@{liwei}")  # names whom it answers
    problems += _clean(page, "replies-open", locale)

    # Like Zhang Min's floor, in place.
    like = floor_item.locator(".mb-comment").first.locator("[data-like] button")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator("[data-like-count]")).to_have_text("1")

    # Li Wei finds the reply among his notifications, under Replies.
    author_page = new_context(liwei, locale).new_page()
    author_page.goto("/weibo/notifications/reply/")
    expect(author_page.locator(".mb-notifications")).to_contain_text("Lucky you")
    problems += _clean(author_page, "notifications", locale)
    assert problems == []
    assert errors == []
