"""Weibo notifications: grouped by kind, opening a kind reads it, counts on the Discover tab go live."""

import pytest
from django.urls import reverse

from apps.core import badges
from apps.microblog.models import Notification
from apps.microblog.services import notifications
from apps.microblog.services.comments import comment_create
from apps.microblog.services.likes import post_like

from .factories_comments import block, person, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def discover_badge():
    """The count apps/microblog/apps.py registers: `badges.register("discover", notifications.UNREAD)`."""
    assert notifications.UNREAD in badges._counters["discover"]


@pytest.fixture
def author():
    return person("author")


@pytest.fixture
def the_post(author):
    return post(author, "a post")


def test_unread_counts_by_kind_with_every_kind_present(the_post, author):
    fans = [person("f") for _ in range(2)]
    comment_create(actor=fans[0], post_id=the_post.pk, text="hi")
    for f in fans:
        post_like(actor=f, post_id=the_post.pk)
    counts = notifications.unread_counts(author.pk)
    assert counts == {"mention": 0, "comment": 1, "reply": 0, "like": 2, "repost": 0, "fan": 0}
    assert notifications.unread_total(author) == 3


def test_nobody_is_told_of_their_own_doing_nor_by_someone_they_blocked(the_post, author):
    pest = person("pest")
    block(author, pest)
    told = notifications.notify(recipients=[author, pest], actor=pest, kind="mention", post=the_post)
    assert told == []
    assert notifications.notify(recipients=[pest.pk], actor=author, kind="mention", post=the_post) == [
        pest.pk
    ]


def test_a_notification_tells_the_recipient_without_counting_for_them(the_post, author, published_events):
    """The event is a word that something arrived; the recipient's open tabs count (test_notifications_live)."""
    fan = person("fan")
    with published_events() as sent:
        post_like(actor=fan, post_id=the_post.pk)
    mine = [e for e in sent if e.get("user_ids") == [author.pk]]
    assert [(e["type"], e["data"]) for e in mine] == [("weibo.notification", {"kind": "like"})]


def test_notifying_many_costs_the_same_few_queries_as_notifying_one(
    the_post, author, django_assert_max_num_queries
):
    """One block check and one insert, whatever the number of recipients: no unread counts per recipient."""
    fans = [person("m") for _ in range(30)]
    with django_assert_max_num_queries(2):
        told = notifications.notify(recipients=fans, actor=author, kind="mention", post=the_post)
    assert len(told) == 30
    assert all(notifications.unread_counts(f.pk)["mention"] == 1 for f in fans)


def test_the_weibo_entry_on_discover_shows_the_unread_count(the_post, author, client):
    for _ in range(3):
        post_like(actor=person("l"), post_id=the_post.pk)
    client.force_login(author)
    html = client.get(reverse("core:discover")).content.decode()
    assert '<span class="badge" data-badge="weibo">3</span>' in html
    assert '<span class="badge" data-badge="discover">3</span>' in html


def test_opening_a_kind_lists_it_and_marks_only_it_read(the_post, author, client, published_events):
    fan = person("fan")
    comment_create(actor=fan, post_id=the_post.pk, text="first!")
    post_like(actor=fan, post_id=the_post.pk)
    client.force_login(author)
    overview = client.get(reverse("microblog:notifications"))
    assert overview.status_code == 200
    assert (
        Notification.objects.filter(read_at__isnull=True).count() == 2
    )  # looking at the kinds reads nothing
    with published_events() as sent:
        page = client.get(reverse("microblog:notifications_kind", args=["comment"]))
    assert "first!" in page.content.decode()
    assert notifications.unread_counts(author.pk)["comment"] == 0
    assert notifications.unread_counts(author.pk)["like"] == 1
    assert badges.counts_for(author)["discover"] == 1
    assert any(e["type"] == "badges" and e["data"]["discover"] == 1 for e in sent)


def test_notifications_from_someone_i_blocked_since_are_not_listed(the_post, author, client):
    pest = person("pest")
    comment_create(actor=pest, post_id=the_post.pk, text="from the pest")
    block(author, pest)
    client.force_login(author)
    page = client.get(reverse("microblog:notifications_kind", args=["comment"])).content.decode()
    assert "from the pest" not in page


def test_an_unknown_kind_is_not_found(author, client):
    client.force_login(author)
    assert client.get(reverse("microblog:notifications_kind", args=["nonsense"])).status_code == 404


def test_the_notifications_page_reads_in_few_queries_however_many(
    the_post, author, client, django_assert_max_num_queries
):
    for _ in range(30):
        comment_create(actor=person("n"), post_id=the_post.pk, text="hello")
    client.force_login(author)
    with django_assert_max_num_queries(14):
        client.get(reverse("microblog:notifications_kind", args=["comment"]))


def test_what_people_wrote_is_escaped_in_notifications(the_post, author, client):
    comment_create(actor=person("x"), post_id=the_post.pk, text="<img src=x onerror=alert(1)>")
    client.force_login(author)
    html = client.get(reverse("microblog:notifications_kind", args=["comment"])).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
