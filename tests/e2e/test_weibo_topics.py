"""Weibo's hot search in a browser: the list on an open page is redrawn live when the periodic refresh runs;
the hot list, a topic page, a person's page and their fans at phone width in both languages, with no script
error and no axe violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from apps.core import realtime
from apps.microblog.services import topics
from apps.microblog.services.follows import follow_create
from tests.conftest import SCREENS, in_thread, settle, watched_page
from tests.microblog.topics_kit import activity, make_people, make_post, make_topic


@pytest.fixture
def hot_page_live(monkeypatch):
    # apps/microblog/apps.py registers the live page once merged (lane P owns it); here the test does.
    monkeypatch.setattr(realtime, "_pages", {*realtime._pages, topics.HOT_PAGE})


def errors_of(page) -> list:
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_the_hot_list_updates_live_when_the_refresh_runs(new_context, liwei, hot_page_live):
    crowd = make_people(6)
    activity(make_topic("上海下雪了"), crowd[:3], minutes_ago=20)
    in_thread(topics.hot_search_refresh)
    page = new_context(liwei).new_page()
    problems = errors_of(page)
    page.goto("/weibo/hot/")
    rows = page.locator("[data-hot-list] li")
    expect(rows).to_have_count(1)
    page.wait_for_function("document.documentElement.dataset.realtime === 'open'")
    activity(make_topic("Double 11"), crowd, minutes_ago=1)
    for _attempt in range(20):  # the join may still be on its way: the next refresh reaches the page
        in_thread(topics.hot_search_refresh)
        if page.locator("[data-hot-list] li").first.locator(".hot-name").text_content() == "Double 11":
            break
        page.wait_for_timeout(250)
    expect(rows).to_have_count(2)
    expect(rows.first.locator(".hot-name")).to_have_text("Double 11")
    expect(rows.first.locator(".hot-mark")).to_have_text("Hot")
    rows.first.locator("a").click()
    expect(page.locator("h2.topic-name")).to_have_text("#Double 11#")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_weibo_topic_pages_at_phone_width(new_context, liwei, locale, hot_page_live):
    SCREENS.mkdir(parents=True, exist_ok=True)
    crowd = make_people(30)
    brand = crowd[0]
    brand.verified = "organisation"
    brand.display_name = "Tmall 天猫"
    brand.save()
    sale = make_topic("Double 11", host=brand, introduction="The biggest sale of the year · 一年一度的购物节")
    snow = make_topic("上海下雪了")
    for i, person in enumerate(crowd[:6]):
        make_post(person, f"#上海下雪了# 外滩的雪 {i} 好美", topic=snow, likes=i)
        make_post(person, f"My #Double 11# haul number {i}", topic=sale, likes=6 - i)
    activity(sale, crowd[:25], minutes_ago=2)
    activity(snow, crowd[:8], minutes_ago=5)
    for i in range(3, 12):
        activity(make_topic(f"topic {i}"), crowd[:i], minutes_ago=30)
    in_thread(follow_create, actor=liwei, followee=brand)  # (it publishes: off Playwright's loop)
    in_thread(follow_create, actor=brand, followee=liwei)
    in_thread(topics.hot_search_refresh)
    page = watched_page(new_context(liwei, locale))
    problems = errors_of(page)
    for path, name in [
        ("/weibo/hot/", "hot"),
        ("/weibo/t/Double 11/", "topic"),
        (f"/weibo/u/{brand.public_id}/", "person"),
        (f"/weibo/u/{brand.public_id}/fans/", "fans"),
    ]:
        assert page.goto(path).ok, path
        settle(page)
        page.screenshot(path=str(SCREENS / f"{locale}-weibo-{name}.png"), full_page=True)
        found = Axe().run(page).response["violations"]
        problems += [f"{name}: {v['id']} {[n['target'] for n in v['nodes']]}" for v in found]
    assert problems == [], "\n".join(problems)
