"""Weibo's V follows a verified name everywhere Weibo shows one: comments and replies, the comments page,
notifications, fans and following lists, a topic's host (cards are covered in test_timelines)."""

import re

import pytest
from django.urls import reverse

from apps.microblog.models import Topic
from apps.microblog.services import comments, follows, likes, posts

pytestmark = pytest.mark.django_db

V_ORG = 'class="v-badge v-org"'
V_PERSON = 'class="v-badge v-person"'


@pytest.fixture
def brand(wangfang):
    wangfang.verified = "organisation"
    wangfang.save(update_fields=["verified"])
    return wangfang


@pytest.fixture
def star(zhangmin):
    zhangmin.verified = "person"
    zhangmin.save(update_fields=["verified"])
    return zhangmin


def badge_after(html: str, name: str, v: str) -> bool:
    """True if `name` is followed by badge `v` (the V sits right after the name, inside its element)."""
    return re.search(re.escape(name) + r"\s*(</a>)?\s*<span " + re.escape(v), html) is not None


def test_comment_and_reply_authors_carry_their_v_on_the_post_and_comments_pages(
    client_as, liwei, brand, star
):
    post = posts.post_create(actor=liwei, text="新品")
    first = comments.comment_create(actor=brand, post_id=post.pk, text="谢谢")
    comments.comment_create(actor=star, post_id=post.pk, text="回复", reply_to_id=first.pk)
    for url in (
        reverse("microblog:post", args=[post.pk]),
        reverse("microblog:post_comments", args=[post.pk]),
    ):
        html = client_as(liwei).get(url).content.decode()
        assert badge_after(html, str(brand), V_ORG), url
        assert badge_after(html, str(star), V_PERSON), url


def test_the_replies_page_and_the_person_replied_to_carry_their_v(client_as, liwei, brand, star, sophie):
    post = posts.post_create(actor=liwei, text="新品")
    first = comments.comment_create(actor=sophie, post_id=post.pk, text="1")
    reply = comments.comment_create(actor=brand, post_id=post.pk, text="2", reply_to_id=first.pk)
    comments.comment_create(actor=star, post_id=post.pk, text="3", reply_to_id=reply.pk)  # "reply @brand"
    html = client_as(liwei).get(reverse("microblog:comment_replies", args=[first.pk])).content.decode()
    assert badge_after(html, str(star), V_PERSON)
    assert re.search(r"reply @" + re.escape(str(brand)) + r"<span " + re.escape(V_ORG), html)


def test_the_comments_page_heads_with_the_authors_v(client_as, liwei, brand):
    post = posts.post_create(actor=brand, text="活动")
    html = client_as(liwei).get(reverse("microblog:post_comments", args=[post.pk])).content.decode()
    assert badge_after(html, str(brand), V_ORG)


def test_notifications_show_the_actors_v(client_as, liwei, brand):
    post = posts.post_create(actor=liwei, text="hi")
    likes.post_like(actor=brand, post_id=post.pk)
    html = client_as(liwei).get(reverse("microblog:notifications_kind", args=["like"])).content.decode()
    assert badge_after(html, str(brand), V_ORG)


def test_fans_and_following_lists_show_the_v(client_as, liwei, brand, star):
    follows.follow_create(actor=star, followee=brand)
    fans = client_as(liwei).get(reverse("microblog:fans", args=[brand.public_id])).content.decode()
    assert badge_after(fans, str(star), V_PERSON)
    following = client_as(liwei).get(reverse("microblog:following", args=[star.public_id])).content.decode()
    assert badge_after(following, str(brand), V_ORG)


def test_a_topics_host_shows_the_v(client_as, liwei, brand):
    posts.post_create(actor=brand, text="#Double 11# 开抢")
    Topic.objects.filter(key="double 11").update(host=brand)
    html = client_as(liwei).get(reverse("microblog:topic", args=["Double 11"])).content.decode()
    assert badge_after(html, str(brand), V_ORG)
