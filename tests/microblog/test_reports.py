"""Reports: hidden for the reporter at once, queued in the admin, hidden for everyone or dismissed there."""

import pytest
from django.urls import reverse

from apps.core.errors import DomainError
from apps.microblog.models import Report
from apps.microblog.selectors import comments as selectors
from apps.microblog.services.posts import post_repost
from apps.microblog.services.reports import report_create, report_hide_for_everyone

from .factories_comments import comment, person, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return person("author")


@pytest.fixture
def reader():
    return person("reader")


@pytest.fixture
def the_post(author):
    return post(author, "a post")


def _floor_ids(viewer, the_post):
    return [f.comment.pk for f in selectors.floors(viewer=viewer, post=the_post).floors]


def test_a_reported_comment_is_hidden_from_the_reporter_at_once_and_only_from_them(the_post, author, reader):
    rude, fine = comment(the_post, author, "rude"), comment(the_post, author, "fine")
    report_create(actor=reader, comment_id=rude.pk, reason="rude")
    assert _floor_ids(reader, the_post) == [fine.pk]
    assert set(_floor_ids(person("other"), the_post)) == {rude.pk, fine.pk}


def test_a_reported_reply_is_hidden_under_its_floor(the_post, author, reader):
    floor = comment(the_post, author)
    rude = comment(the_post, person("p"), "rude", reply_to=floor)
    report_create(actor=reader, comment_id=rude.pk)
    [shown] = selectors.floors(viewer=reader, post=the_post).floors
    assert shown.replies == [] and shown.more == 0


def test_a_reported_post_is_gone_for_the_reporter(the_post, reader, client):
    report_create(actor=reader, post_id=the_post.pk)
    assert selectors.visible_post(reader, the_post.pk) is None
    assert selectors.visible_post(person("other"), the_post.pk) is not None
    client.force_login(reader)
    assert client.get(reverse("microblog:post_comments", args=[the_post.pk])).status_code == 404


def test_reporting_twice_makes_one_report(the_post, reader):
    first = report_create(actor=reader, post_id=the_post.pk)
    assert report_create(actor=reader, post_id=the_post.pk) == first
    assert Report.objects.count() == 1


def test_one_cannot_report_oneself_nor_nothing_nor_both(the_post, author, reader):
    with pytest.raises(DomainError):
        report_create(actor=author, post_id=the_post.pk)
    c = comment(the_post, author)
    with pytest.raises(DomainError):
        report_create(actor=reader)
    with pytest.raises(DomainError):
        report_create(actor=reader, post_id=the_post.pk, comment_id=c.pk)
    with pytest.raises(DomainError):
        report_create(actor=reader, post_id=the_post.pk, reason="x" * 201)
    assert not Report.objects.exists()


def test_reporting_through_the_page(the_post, author, reader, client):
    c = comment(the_post, author, "rude")
    client.force_login(reader)
    response = client.post(reverse("microblog:comment_report", args=[c.pk]), {"next": "/back"})
    assert response["Location"] == "/back"
    assert Report.objects.get().comment_id == c.pk


# --- The admin queue ----------------------------------------------------------------------------------------


@pytest.fixture
def moderator(db):
    from apps.accounts.models import User

    return User.objects.create_superuser(username="mod", public_id="modpid", password="x", email="m@e.x")


def _act(client, action, reports):
    return client.post(
        reverse("admin:microblog_report_changelist"),
        {"action": action, "_selected_action": [r.pk for r in reports]},
    )


def test_hide_for_everyone_deletes_the_comment_and_resolves_every_report_on_it(
    the_post, author, reader, moderator, client
):
    rude = comment(the_post, author, "rude")
    reports = [report_create(actor=p, comment_id=rude.pk) for p in (reader, person("x"))]
    client.force_login(moderator)
    assert client.get(reverse("admin:microblog_report_changelist") + "?status=open").status_code == 200
    _act(client, "hide_for_everyone", reports[:1])
    rude.refresh_from_db()
    the_post.refresh_from_db()
    assert rude.deleted_at is not None and the_post.comments == 0
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert _floor_ids(person("anyone"), the_post) == []


def test_hide_for_everyone_on_a_post_deletes_it(the_post, reader, moderator, client):
    report = report_create(actor=reader, post_id=the_post.pk)
    client.force_login(moderator)
    _act(client, "hide_for_everyone", [report])
    the_post.refresh_from_db()
    assert the_post.deleted_at is not None


def test_a_post_hidden_by_a_moderator_is_taken_back_from_open_pills_and_uncounted(
    the_post, reader, moderator, published_events
):
    repost = post_repost(actor=reader, post=the_post, comment="look")
    report = report_create(actor=moderator, post_id=repost.pk)
    with published_events() as sent:
        report_hide_for_everyone(report=report)
    assert any(e["type"] == "weibo.post_deleted" and e["data"]["id"] == repost.pk for e in sent)
    the_post.refresh_from_db()
    assert the_post.reposts == 0  # as when its author deletes it


def test_dismiss_resolves_and_leaves_the_comment_for_everyone_else(
    the_post, author, reader, moderator, client
):
    fine = comment(the_post, author, "fine")
    report = report_create(actor=reader, comment_id=fine.pk)
    client.force_login(moderator)
    _act(client, "dismiss", [report])
    report.refresh_from_db()
    assert report.resolved_at is not None
    assert _floor_ids(person("anyone"), the_post) == [fine.pk]
    assert _floor_ids(reader, the_post) == []  # the reporter still doesn't see what they reported
