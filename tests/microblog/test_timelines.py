"""Timelines: what home and the square show, to whom, page by page, in a fixed number of queries."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from apps.accounts.models import Block
from apps.core import clock
from apps.microblog import cards
from apps.microblog.models import Post, Report, Topic
from apps.microblog.selectors import timelines
from apps.microblog.services import likes, posts
from tests.microblog.helpers_posts import follow, follow_topic, png

pytestmark = pytest.mark.django_db


def texts(page) -> list[str]:
    return [p.text for p in page.posts]


def write(author, text, **fields) -> Post:
    """A post straight into the table (no rate limit), for timelines that need many."""
    return Post.objects.create(author=author, text=text, created_at=clock.now(), **fields)


@pytest.fixture(params=["few", "many"])
def plan(request, monkeypatch):
    """Home's two plans (following few people: gather by author; many: walk the table) give the same page."""
    monkeypatch.setattr(timelines, "DENSE_FROM", 1000 if request.param == "few" else 0)
    return request.param


def test_home_has_followed_people_followed_topics_and_mine_only(
    liwei, wangfang, zhangmin, chenjing, window_start, plan
):
    follow(liwei, wangfang)
    follow_topic(liwei, Topic.objects.create(name="猫", key="猫", created_at=clock.now()))
    posts.post_create(actor=wangfang, text="followed person")
    posts.post_create(actor=zhangmin, text="stranger with a followed topic #猫#")
    posts.post_create(actor=chenjing, text="stranger")
    posts.post_create(actor=liwei, text="mine")
    assert texts(timelines.home(liwei)) == ["mine", "stranger with a followed topic #猫#", "followed person"]
    assert texts(timelines.square(liwei))[0] == "mine" and len(timelines.square(liwei).posts) == 4


def test_blocked_people_and_reposts_of_them_are_hidden(liwei, wangfang, zhangmin, window_start, plan):
    follow(liwei, wangfang)
    follow(liwei, zhangmin)
    blocked_post = posts.post_create(actor=zhangmin, text="by the blocked")
    posts.post_repost(actor=wangfang, post=blocked_post, comment="repost of the blocked")
    posts.post_create(actor=wangfang, text="fine")
    Block.objects.create(blocker=liwei, blocked=zhangmin, created_at=clock.now())
    for page in (timelines.home(liwei), timelines.square(liwei)):
        assert texts(page) == ["fine"]
    assert timelines.post_for(liwei, blocked_post.pk) is None


def test_deleted_and_reported_posts_are_hidden(liwei, wangfang, window_start):
    gone = posts.post_create(actor=liwei, text="gone")
    reported = posts.post_create(actor=wangfang, text="reported")
    posts.post_create(actor=wangfang, text="kept")
    posts.post_delete(actor=liwei, post_id=gone.pk)
    Report.objects.create(reporter=liwei, post=reported, created_at=clock.now())
    assert texts(timelines.square(liwei)) == ["kept"]
    assert texts(timelines.square(wangfang)) == ["kept", "reported"]


def test_cursor_pages_cover_everything_once(liwei, wangfang, plan):
    follow(liwei, wangfang)
    written = [write(liwei if n % 2 else wangfang, f"{n}") for n in range(45)]
    seen, cursor, pages = [], None, 0
    while True:
        page = timelines.home(liwei, before=cursor)
        seen += [p.pk for p in page.posts]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted((p.pk for p in written), reverse=True)


def test_newer_posts_for_the_pill(liwei):
    first = write(liwei, "old")
    newer = [write(liwei, f"new {n}") for n in range(3)]
    page = timelines.home(liwei, after=first.pk)
    assert [p.pk for p in page.posts] == [p.pk for p in reversed(newer)]
    assert page.newest_id == newer[-1].pk


def _busy_timeline(reader, cast, size: int):
    """`size` posts by people `reader` follows: pictures, mentions, reposts of reposts, deleted originals."""
    authors = [cast[name] for name in ("wangfang", "zhangmin", "chenjing", "liuyang")]
    for author in authors:
        follow(reader, author)
    original = posts.post_create(actor=authors[0], text="@liwei_demo #话题# 原文", uploads=[png(), png()])
    for n in range(size):
        author = authors[n % len(authors)]
        if n % 3 == 0:
            write(author, f"repost {n} //@x: y", origin=original, repost_of=original)
        elif n % 3 == 1:
            gone = write(author, "gone", deleted_at=clock.now())
            write(author, f"repost of a deleted post {n}", origin=gone, repost_of=gone)
        else:
            write(author, f"@wangfang plain {n} #话题#")


@pytest.mark.parametrize("size", [5, 80])
def test_a_home_page_takes_four_queries_whatever_it_holds(liwei, cast, size, django_assert_num_queries, plan):
    """Who I follow (to pick the plan), the page, its pictures, its mentions."""
    _busy_timeline(liwei, cast, size)
    with django_assert_num_queries(4):
        page = timelines.home(liwei)
    if size == 80:
        cursor = timelines.home(liwei, before=page.next_cursor).next_cursor
        with django_assert_num_queries(4):
            page3 = timelines.home(liwei, before=cursor)
        assert len(page3.posts) == 20 and page3.next_cursor is not None


def test_the_home_page_view_has_a_fixed_number_of_queries(
    liwei, cast, client_as, django_assert_max_num_queries
):
    _busy_timeline(liwei, cast, 80)
    client = client_as(liwei)
    client.get(reverse("microblog:home"))  # warm the session and the URL resolver
    # the person, the page's four, the tab bar's three badge counts
    with django_assert_max_num_queries(8):
        first = client.get(reverse("microblog:home"))
    assert first.content.decode().count('class="mb-post"') == 20
    cursor = timelines.home(liwei, before=timelines.home(liwei).next_cursor).next_cursor
    with django_assert_max_num_queries(5):  # the person and the page's four (a fragment: no tab bar)
        third = client.get(reverse("microblog:feed", args=["home"]), {"before": cursor})
    assert third.content.decode().count('class="mb-post"') == 20


def test_the_feed_refuses_a_bad_cursor(liwei, client_as):
    response = client_as(liwei).get(reverse("microblog:feed", args=["home"]), {"before": "abc"})
    assert response.status_code == 400
    assert client_as(liwei).get(reverse("microblog:feed", args=["nope"])).status_code == 404


def test_cards_show_preview_full_text_pictures_and_v(liwei, wangfang, client_as):
    wangfang.verified = "organisation"
    wangfang.save(update_fields=["verified"])
    long = posts.post_create(actor=wangfang, text="长" * 150 + "尾巴", uploads=[png()] * 1)
    follow(liwei, wangfang)
    page = client_as(liwei).get(reverse("microblog:home")).content.decode()
    assert "尾巴" not in page and "Full text" in page
    assert 'aria-label="Verified organisation"' in page
    assert 'alt="Picture 1 of 1"' in page
    detail = client_as(liwei).get(reverse("microblog:post", args=[long.pk])).content.decode()
    assert "尾巴" in detail


def _like_form(page: str, post: Post) -> re.Match:
    """The card's like form for `post`: its action, the page it comes back to, its button's state and count."""
    form = re.search(
        rf'<form class="mb-post-like" method="post" action="(?P<action>[^"]+)"[^>]*>.*?'
        rf'name="next" value="(?P<next>[^"]+)".*?aria-pressed="(?P<pressed>true|false)".*?'
        rf'data-post-count="{post.pk}" data-count="likes">(?P<count>\d+)<',
        page,
        re.S,
    )
    assert form is not None, "no like button on the card"
    return form


def test_liking_from_home_without_script_moves_the_count_and_presses_the_button(liwei, wangfang, client_as):
    follow(liwei, wangfang)
    post = posts.post_create(actor=wangfang, text="like me")
    client = client_as(liwei)
    form = _like_form(client.get(reverse("microblog:home")).content.decode(), post)
    assert (form["action"], form["pressed"], form["count"]) == (
        reverse("microblog:post_like", args=[post.pk]),
        "false",
        "0",
    )
    response = client.post(form["action"], {"next": form["next"]})  # a plain form post, no script
    assert response.status_code == 302 and response.url == f"{reverse('microblog:home')}#p{post.pk}"
    after = _like_form(client.get(response.url).content.decode(), post)
    assert (after["action"], after["pressed"], after["count"]) == (
        reverse("microblog:post_unlike", args=[post.pk]),
        "true",
        "1",
    )
    client.post(after["action"], {"next": after["next"]})
    again = _like_form(client.get(reverse("microblog:home")).content.decode(), post)
    assert (again["pressed"], again["count"]) == ("false", "0")


def test_the_scripted_like_answers_the_new_state_and_count(liwei, wangfang, client_as):
    post = posts.post_create(actor=wangfang, text="like me")
    client = client_as(liwei)
    url = reverse("microblog:post_like", args=[post.pk])
    answer = client.post(url, HTTP_ACCEPT="application/json").json()
    assert answer == {"ok": True, "liked": True, "likes": 1}


def test_a_card_loaded_by_scroll_comes_back_to_its_timeline_without_script(liwei, wangfang, client_as):
    post = posts.post_create(actor=wangfang, text="on the square")
    page = client_as(liwei).get(reverse("microblog:feed", args=["square"])).content.decode()
    assert _like_form(page, post)["next"] == f"{reverse('microblog:square')}#p{post.pk}"


def test_a_like_counts_live_for_the_posts_viewers_in_one_send_not_one_per_fan(
    liwei, wangfang, zhangmin, zhaolei, published_events
):
    """One sender of `weibo.counts`: likes, comments and reposts go to the post's live page (the tabs showing it),
    one send however many fans (a brand's 50,000 fans are not sent an event each per like)."""
    follow(zhangmin, wangfang)
    post = posts.post_create(actor=wangfang, text="watched")
    posts.post_repost(actor=zhaolei, post=post, comment="see this")
    with published_events() as sent:
        likes.post_like(actor=liwei, post_id=post.pk)
    [counts] = [e for e in sent if e["type"] == "weibo.counts"]
    assert counts["data"] == {"post_id": post.pk, "reposts": 1, "comments": 0, "likes": 1}
    assert counts["page"] == f"weibo.post.{post.pk}" and "user_ids" not in counts


@pytest.mark.parametrize("verified", ["", "person", "organisation"])
def test_a_cards_name_is_written_as_the_name_template_writes_it(liwei, rf, verified):
    """Cards write names in Python (a page's speed); the person and topic pages use microblog/_name.html."""
    liwei.verified = verified
    page = cards._Page(rf.get("/weibo/"), back=None)
    assert page.name(liwei) == render_to_string("microblog/_name.html", {"person": liwei}).strip()
