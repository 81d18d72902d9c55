"""Following people on Weibo: one-way, mutual (互关), counts and lists, a new fan is told, blocks come first; the V."""

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Block, User
from apps.accounts.services import user_block
from apps.core.errors import DomainError
from apps.microblog.models import Follow, Mention, Notification
from apps.microblog.selectors import people as selectors
from apps.microblog.selectors import timelines
from apps.microblog.services import follows
from apps.microblog.services.follows import follow_create, follow_delete
from tests.microblog.topics_kit import make_people, make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_b_c():
    return make_people(3)


def test_follow_is_one_way_until_both_follow(a_b_c):
    a, b, _c = a_b_c
    follow_create(actor=a, followee=b)
    assert selectors.relation(a, b).i_follow and not selectors.relation(a, b).mutual
    assert selectors.relation(b, a).follows_me and not selectors.relation(b, a).i_follow
    follow_create(actor=b, followee=a)
    assert selectors.relation(a, b).mutual and selectors.relation(b, a).mutual


def test_counts_and_unfollow(a_b_c):
    a, b, c = a_b_c
    follow_create(actor=a, followee=b)
    follow_create(actor=c, followee=b)
    follow_create(actor=b, followee=a)
    assert selectors.follow_counts(b) == (1, 2)
    assert follow_delete(actor=c, followee=b)
    assert selectors.follow_counts(b) == (1, 1)
    assert not follow_delete(actor=c, followee=b)


def test_nobody_follows_themselves(a_b_c):
    a = a_b_c[0]
    with pytest.raises(DomainError):
        follow_create(actor=a, followee=a)
    assert not Follow.objects.exists()


def test_a_new_fan_is_told_once(a_b_c):
    a, b, _c = a_b_c
    follow_create(actor=a, followee=b)
    follow_create(actor=a, followee=b)  # following twice is following
    assert list(Notification.objects.values_list("recipient", "actor", "kind")) == [(b.pk, a.pk, "fan")]
    assert Follow.objects.count() == 1


def test_nobody_follows_someone_who_blocked_them_or_whom_they_blocked(a_b_c):
    a, b, c = a_b_c
    Block.objects.create(blocker=b, blocked=a, created_at=b.date_joined)
    with pytest.raises(DomainError, match="doesn't let you follow"):
        follow_create(actor=a, followee=b)
    Block.objects.create(blocker=a, blocked=c, created_at=a.date_joined)
    with pytest.raises(DomainError, match="Unblock"):
        follow_create(actor=a, followee=c)
    assert not Follow.objects.exists() and not Notification.objects.exists()


def test_a_block_cuts_the_follows_either_way(a_b_c):
    a, b, c = a_b_c
    follow_create(actor=a, followee=b)
    follow_create(actor=b, followee=a)
    follow_create(actor=c, followee=a)
    post_save.connect(follows.follows_cut_by_block, sender=Block)  # the app config's line (see the report)
    try:
        user_block(actor=a, target=b)
    finally:
        post_save.disconnect(follows.follows_cut_by_block, sender=Block)
    assert list(Follow.objects.values_list("fan", "followee")) == [(c.pk, a.pk)]


def test_following_is_capped(a_b_c, monkeypatch):
    a, b, c = a_b_c
    monkeypatch.setattr(follows, "MAX_FOLLOWING", 1)
    follow_create(actor=a, followee=b)
    with pytest.raises(DomainError, match="at most 1"):
        follow_create(actor=a, followee=c)


def test_person_page_shows_counts_mutual_and_the_follow_button(client, a_b_c):
    a, b, _c = a_b_c
    client.force_login(a)
    url = reverse("microblog:person", args=[b.public_id])
    assert "Follow " in client.get(url).text
    client.post(reverse("microblog:follow", args=[b.public_id]))
    follow_create(actor=b, followee=a)
    html = client.get(url).text
    assert "Mutual" in html and "<strong>1</strong> fan" in html
    client.post(reverse("microblog:follow", args=[b.public_id]), {"follow": "0"})
    assert not Follow.objects.filter(fan=a, followee=b).exists()


def test_following_myself_through_the_page_shows_the_reason(client, a_b_c):
    a = a_b_c[0]
    client.force_login(a)
    response = client.post(reverse("microblog:follow", args=[a.public_id]), follow=True)
    assert "You can&#x27;t follow yourself." in response.text


def test_a_person_who_blocked_me_has_no_page_for_me(client, a_b_c):
    a, b, _c = a_b_c
    Block.objects.create(blocker=b, blocked=a, created_at=b.date_joined)
    client.force_login(a)
    assert client.get(reverse("microblog:person", args=[b.public_id])).status_code == 404


def test_fans_list_marks_mutual_follows_in_fixed_queries(client, django_assert_max_num_queries):
    star, *fans = make_people(12, prefix="f")
    for fan in fans:
        follow_create(actor=fan, followee=star)
    follow_create(actor=star, followee=fans[0])
    client.force_login(star)
    url = reverse("microblog:fans", args=[star.public_id])
    client.get(url)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert len(response.context["rows"]) == 11
    assert response.text.count('class="mutual-tag"') == 1
    assert "Follow back" in response.text


def test_lists_page_by_cursor(client, a_b_c, monkeypatch):
    star, *fans = make_people(5, prefix="g")
    for fan in fans:
        follow_create(actor=fan, followee=star)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    rows, cursor = selectors.fans_of(star, star, size=3)
    more, end = selectors.fans_of(star, star, before=cursor, size=3)
    assert [r.person for r in rows + more] == list(reversed(fans)) and end is None


def test_names_and_bios_are_escaped(client, a_b_c):
    a, b, _c = a_b_c
    User.objects.filter(pk=b.pk).update(display_name="<b>bold</b>", bio="<script>x</script>")
    client.force_login(a)
    html = client.get(reverse("microblog:person", args=[b.public_id])).text
    assert "<b>bold" not in html and "<script>x" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("verified", "label", "css"),
    [
        ("person", "Verified person", "v-person"),
        ("organisation", "Verified organisation", "v-org"),
        ("", None, None),
    ],
)
def test_the_v_badge_says_what_it_means(a_b_c, verified, label, css):
    person = a_b_c[0]
    person.verified = verified
    html = Template("{% load weibo %}{% v_badge person %}").render(Context({"person": person}))
    if label is None:
        assert html == ""
    else:
        assert f'aria-label="{label}"' in html and css in html and 'role="img"' in html


def test_a_persons_page_shows_their_posts_as_cards_and_pages_by_cursor(client, a_b_c):
    a, b, _c = a_b_c
    posts = [make_post(b, f"b's post number {i:02d} #sale#") for i in range(timelines.PAGE_SIZE + 2)]
    make_post(a_b_c[2], "someone else's")
    client.force_login(a)
    html = client.get(reverse("microblog:person", args=[b.public_id])).text
    assert html.count('class="mb-post"') == timelines.PAGE_SIZE and "someone else" not in html
    assert "b&#x27;s post number 21" in html and "number 01" not in html
    assert f'href="{reverse("microblog:topic", args=["sale"])}"' in html  # the card links its topics
    feed = reverse("microblog:person_feed", args=[b.public_id])
    assert f'data-feed="{feed}"' in html and f'data-feed-next="{posts[2].pk}"' in html
    more = client.get(feed, {"before": posts[2].pk}).text
    assert "number 01" in more and "number 00" in more and "number 02" not in more
    assert 'data-feed-next=""' in more  # the end
    assert client.get(feed, {"before": "x"}).status_code == 400


def test_a_persons_page_queries_do_not_grow_with_posts(client, a_b_c, django_assert_max_num_queries):
    a, b, c = a_b_c
    origin = make_post(c, "the original @p 0")
    Mention.objects.create(post=origin, person=a)
    url = reverse("microblog:person", args=[b.public_id])
    make_post(b, "one")
    client.force_login(a)
    client.get(url)
    with CaptureQueriesContext(connection) as one_post:
        client.get(url)
    for i in range(25):
        make_post(b, f"repost {i} //@p 2: the original", repost_of=origin, origin=origin)
    with django_assert_max_num_queries(len(one_post)) as full:
        html = client.get(url).text
    assert html.count('class="mb-post"') == 20 and len(full) <= 12


def test_a_verified_persons_name_carries_the_v_on_their_page_and_cards(client, a_b_c):
    a, b, _c = a_b_c
    User.objects.filter(pk=b.pk).update(verified="organisation", display_name="Tmall <天猫>")
    make_post(b, "sale starts")
    client.force_login(a)
    html = client.get(reverse("microblog:person", args=[b.public_id])).text
    v = 'class="v-badge v-org" role="img" aria-label="Verified organisation"'
    assert html.count(v) == 2  # the header and the card
    assert f"Tmall &lt;天猫&gt;<span {v}" in html and "<天猫>" not in html
    html = client.get(reverse("microblog:person", args=[a.public_id])).text
    assert "v-badge" not in html
