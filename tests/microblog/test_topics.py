"""Topic pages: posts hot or newest, reads once per person a day, discussion, follow, host's introduction and pin."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Block
from apps.core import clock
from apps.core.errors import DomainError
from apps.microblog.models import Mention, Topic, TopicFollow
from apps.microblog.services import topics
from tests.microblog.topics_kit import make_people, make_post, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return make_people(4)


def page(client, topic, **query):
    return client.get(reverse("microblog:topic", args=[topic.name]), query)


def test_any_spelling_of_a_topic_opens_its_page_with_its_posts(client, people):
    snow = make_topic("上海下雪了")
    make_post(people[1], "#上海下雪了# 好冷", topic=snow)
    make_post(people[2], "not in it")
    client.force_login(people[0])
    response = client.get(reverse("microblog:topic", args=["上海下雪了"]))
    assert response.status_code == 200
    assert "好冷" in response.text and "not in it" not in response.text
    assert client.get(reverse("microblog:topic", args=["Double 11"])).status_code == 404


def test_hot_sorts_by_likes_comments_and_reposts_and_newest_by_time(client, people):
    topic = make_topic("sale")
    make_post(people[2], "busy older", topic=topic, likes=9, comments=3, reposts=2)
    make_post(people[1], "quiet newest", topic=topic)
    make_post(
        people[3], "busy but last month", topic=topic, likes=99, created_at=clock.now() - timedelta(days=30)
    )
    client.force_login(people[0])
    hot = page(client, topic, sort="hot").text
    new = page(client, topic, sort="new").text
    assert hot.index("busy older") < hot.index("quiet newest")
    assert "last month" not in hot  # hot ranks the last week
    assert new.index("quiet newest") < new.index("busy older")


def test_newest_pages_by_cursor(client, people):
    topic = make_topic("many")
    for i in range(25):
        make_post(people[1], f"post number {i:02d}", topic=topic)
    client.force_login(people[0])
    first = page(client, topic, sort="new")
    cursor = first.context["next_cursor"]
    second = page(client, topic, sort="new", before=cursor)
    assert "post number 24" in first.text and "post number 04" not in first.text
    assert "post number 04" in second.text and second.context["next_cursor"] is None
    assert page(client, topic, sort="new", before="x").status_code == 400


def test_a_read_counts_once_per_person_a_day(client, people):
    topic = make_topic("reads")
    client.force_login(people[0])
    page(client, topic)
    page(client, topic)
    client.force_login(people[1])
    assert "2 reads" in page(client, topic).text
    clock.advance(timedelta(days=1))
    page(client, topic)
    topic.refresh_from_db()
    assert topic.reads == 3


def test_discussion_count_is_shown(client, people):
    topic = make_topic("talk", posts=7)
    client.force_login(people[0])
    assert "7 discussions" in page(client, topic).text


def test_follow_and_unfollow_a_topic(client, people):
    topic = make_topic("follow me")
    client.force_login(people[0])
    url = reverse("microblog:topic_follow", args=[topic.pk])
    client.post(url)
    client.post(url)  # twice is once
    assert TopicFollow.objects.filter(person=people[0], topic=topic).count() == 1
    assert 'aria-pressed="true"' in page(client, topic).text
    client.post(url, {"follow": "0"})
    assert not TopicFollow.objects.filter(person=people[0], topic=topic).exists()


def test_the_host_edits_the_introduction_and_pins_a_post_of_the_topic(client, people):
    brand = people[1]
    topic = make_topic("Double 11", host=brand)
    post = make_post(people[2], "my haul #Double 11#", topic=topic)
    client.force_login(brand)
    url = reverse("microblog:topic_introduction", args=[topic.pk])
    client.post(url, {"introduction": "Our <b>biggest</b> sale", "pinned": post.pk})
    client.force_login(people[0])
    html = page(client, topic).text
    assert "Our &lt;b&gt;biggest&lt;/b&gt; sale" in html and "<b>biggest" not in html
    pinned = html[
        html.index('<section class="topic-pinned"') : html.index("</section>", html.index("topic-pinned"))
    ]
    assert "Pinned" in pinned and "my haul" in pinned
    assert html.count("my haul") == 1  # once, on top: not again in the list below
    client.force_login(brand)
    form = page(client, topic).text
    assert f'<option value="{post.pk}" selected>' in form  # saving the form again keeps the pin


def test_only_the_host_edits_and_only_a_post_of_the_topic_is_pinned(people):
    topic = make_topic("campaign", host=people[1])
    elsewhere = make_post(people[2], "elsewhere")
    with pytest.raises(DomainError):
        topics.topic_introduction_edit(
            actor=people[0], topic_id=topic.pk, introduction="mine", pinned_post_id=None
        )
    with pytest.raises(DomainError):
        topics.topic_introduction_edit(
            actor=people[1], topic_id=topic.pk, introduction="ok", pinned_post_id=elsewhere.pk
        )
    with pytest.raises(DomainError):
        topics.topic_introduction_edit(
            actor=people[1], topic_id=topic.pk, introduction="x" * 281, pinned_post_id=None
        )
    topic.refresh_from_db()
    assert topic.introduction == "" and topic.pinned_post_id is None


def test_posts_of_people_i_blocked_and_deleted_posts_are_not_shown(client, people):
    topic = make_topic("quiet")
    make_post(people[1], "from a blocked person", topic=topic)
    make_post(people[2], "deleted one", topic=topic, deleted_at=clock.now())
    make_post(people[3], "visible one", topic=topic)
    Block.objects.create(blocker=people[0], blocked=people[1], created_at=clock.now())
    client.force_login(people[0])
    html = page(client, topic, sort="new").text
    assert "visible one" in html and "blocked person" not in html and "deleted one" not in html


def test_names_and_texts_are_escaped(client, people):
    topic = make_topic("<script>x</script>")
    make_post(people[1], "#<script>x</script># <img src=x onerror=alert(1)>", topic=topic)
    client.force_login(people[0])
    html = page(client, topic).text
    assert "<script>x" not in html and "<img src=x" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_topic_page_queries_do_not_grow_with_posts(client, people, django_assert_max_num_queries):
    """The page's cards (pictures, mentions, embedded originals, the pin) cost the same few queries for one
    post as for a full page, on either tab."""
    topic = make_topic("busy", host=people[1])
    first = make_post(people[1], "post 0 #busy# @p 2", topic=topic)
    Mention.objects.create(post=first, person=people[2])
    client.force_login(people[0])
    page(client, topic)
    with CaptureQueriesContext(connection) as one_post:
        page(client, topic, sort="new")
    for i in range(1, 25):
        post = make_post(people[i % 4], f"post {i} #busy#", topic=topic, repost_of=first, origin=first)
        Mention.objects.create(post=post, person=people[2])
    Topic.objects.filter(pk=topic.pk).update(pinned_post=first)
    for sort in ("new", "hot"):
        with django_assert_max_num_queries(len(one_post)) as full:
            response = page(client, topic, sort=sort)
        assert response.text.count('class="mb-post"') == 21, sort  # a page of 20 and the pin
        assert len(full) <= 10
