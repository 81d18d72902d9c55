"""The sample Weibo (`seed_demo`): every sample person has a Home to read, hot search is alive at first start,
brands carry the blue V and host their campaign topics, a repost chain three deep reads as on Weibo, and
seeding again adds nothing."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import User
from apps.core.errors import RateLimited
from apps.microblog import seed as weibo_seed
from apps.microblog.models import (
    Comment,
    Follow,
    HotTopic,
    Notification,
    Post,
    PostLike,
    Topic,
    TopicActivity,
    TopicFollow,
)
from apps.microblog.selectors import timelines
from apps.microblog.services.posts import POST_LIMIT, post_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(cast):
    weibo_seed.seed()
    return cast


def test_every_sample_person_finds_posts_on_home(seeded, client_as):
    for person in seeded.values():
        others = [p for p in timelines.home(person).posts if p.author_id != person.pk]
        assert others, person.username
    times = list(Post.objects.order_by("pk").values_list("created_at", flat=True))
    assert times == sorted(times)  # written oldest first: a timeline's newest-id-first order is by time
    home = client_as(seeded["liwei"]).get(reverse("microblog:home")).content.decode()
    assert "Snow in Shanghai!" in home  # by emma, whom liwei follows
    assert "上海下雪了" in home


def test_hot_search_is_alive_with_marks(seeded, client_as):
    hot = [(h.topic.name, h.mark) for h in HotTopic.objects.select_related("topic").order_by("rank")]
    assert hot[:2] == [("上海下雪了", HotTopic.Mark.BOILING), ("Double 11", HotTopic.Mark.HOT)]
    assert len(hot) >= 4 and all(mark for _name, mark in hot)
    page = client_as(seeded["tom"]).get(reverse("microblog:hot")).content.decode()
    assert "上海下雪了" in page and "Double 11" in page


def test_brands_show_the_blue_v_and_host_their_campaign(seeded, client_as):
    brands = User.objects.filter(username__in=["lumiphone", "pandatea"])
    assert {b.verified for b in brands} == {User.Verified.ORGANISATION}
    reader = client_as(seeded["liwei"])
    assert (
        "v-badge v-org" in reader.get(reverse("microblog:home")).content.decode()
    )  # liwei follows lumiphone
    topic = Topic.objects.get(key="double 11")
    assert topic.host.username == "lumiphone" and topic.pinned_post.author == topic.host
    page = reader.get(reverse("microblog:topic", args=["Double 11"])).content.decode()
    assert "Lumi Phone&#x27;s 11.11 campaign" in page and "topic-pinned" in page


def test_a_repost_chain_three_deep_reads_as_on_weibo(seeded, client_as):
    last = Post.objects.get(author__username="tom", text__startswith="A village shop")
    assert last.text == (
        "A village shop I know did this with red packets first."
        "//@james_demo: Marketing 101: make people repost. @emma is in!"
        "//@emma_demo: Need a new phone anyway 😄"
    )
    assert last.repost_of.repost_of.repost_of == last.origin
    assert last.origin.author.username == "lumiphone"
    assert last.origin.reposts == 5  # the chain's three and two direct reposts all credit the original
    page = client_as(seeded["sophie"]).get(reverse("microblog:post", args=[last.pk])).content.decode()
    assert "Need a new phone anyway" in page and "is coming!" in page


def test_comment_floors_likes_and_notifications_are_real(seeded):
    floor = Comment.objects.get(text="去年双十一我买了两台 😂")
    assert floor.floor is None and floor.replies_count == 3
    assert Comment.objects.filter(floor=floor).count() == 3
    assert Post.objects.get(text__startswith="外滩下雪了").likes == 5
    lumi = User.objects.get(username="lumiphone")
    assert set(Notification.objects.filter(recipient=lumi).values_list("kind", flat=True)) >= {
        "comment", "reply", "repost", "fan", "mention", "like",
    }  # fmt: skip


def test_seeding_leaves_the_rate_limits_for_people_as_they_are(seeded, window_start):
    liwei = seeded["liwei"]
    for n in range(POST_LIMIT):  # the seed's past minutes took nothing from this one
        post_create(actor=liwei, text=f"now {n}")
    with pytest.raises(RateLimited):
        post_create(actor=liwei, text="one too many")


def _counts():
    models = [Post, Comment, PostLike, Follow, TopicFollow, Notification, Topic, TopicActivity, User]
    return {m.__name__: m.objects.count() for m in models}


def test_seed_demo_twice_adds_nothing(django_assert_max_num_queries):
    call_command("seed_demo", verbosity=0)
    first = _counts()
    assert first["Post"] > 30 and HotTopic.objects.exists()
    call_command("seed_demo", verbosity=0)
    assert _counts() == first
    # seeded already: the Weibo part looks (4 with its savepoints), then refreshes hot search (13: test_hot_search)
    with django_assert_max_num_queries(17):
        weibo_seed.seed()


def test_the_seed_stays_cheap(cast, django_assert_max_num_queries):
    # About 1,650 today, mostly notifications' live counts; it runs in `make demo` and in tests.
    with django_assert_max_num_queries(2000):
        weibo_seed.seed()
