"""Comments: floor in floor, limits, counts, notifications, blocks, deletion rights, the thread page."""

import pytest
from django.urls import reverse

from apps.core.errors import DomainError, NotFound, RateLimited
from apps.microblog.models import Comment, Notification, Post, Topic, TopicActivity
from apps.microblog.selectors import comments as selectors
from apps.microblog.services import comments
from apps.microblog.services.comments import comment_create, comment_delete

from .factories_comments import block, comment, person, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return person("author")


@pytest.fixture
def reader():
    return person("reader")


@pytest.fixture
def the_post(author):
    return post(author, "Snow in Shanghai")


def _fresh(obj):
    obj.refresh_from_db()
    return obj


# --- Creating ------------------------------------------------------------------------------------------


def test_a_comment_opens_a_floor_and_counts_on_the_post(the_post, reader):
    c = comment_create(actor=reader, post_id=the_post.pk, text="  Lovely  ")
    assert (c.floor_id, c.reply_to_id, c.text) == (None, None, "Lovely")
    assert _fresh(the_post).comments == 1


def test_a_reply_to_a_reply_sits_under_its_floor_and_names_whom_it_answers(the_post, author, reader):
    floor = comment_create(actor=reader, post_id=the_post.pk, text="first")
    answer = comment_create(actor=author, post_id=the_post.pk, text="thanks", reply_to_id=floor.pk)
    third = person("third")
    again = comment_create(actor=third, post_id=the_post.pk, text="me too", reply_to_id=answer.pk)
    assert (answer.floor_id, answer.reply_to_id) == (floor.pk, floor.pk)
    assert (again.floor_id, again.reply_to_id) == (floor.pk, answer.pk)
    assert _fresh(floor).replies_count == 2
    assert _fresh(the_post).comments == 3


@pytest.mark.parametrize("text", ["", "   ", "x" * 141])
def test_empty_or_over_long_comments_are_refused_and_nothing_changes(the_post, reader, text):
    with pytest.raises(DomainError):
        comment_create(actor=reader, post_id=the_post.pk, text=text)
    assert not Comment.objects.exists()
    assert _fresh(the_post).comments == 0


def test_140_characters_is_fine(the_post, reader):
    assert len(comment_create(actor=reader, post_id=the_post.pk, text="字" * 140).text) == 140


def test_no_comment_on_a_deleted_post_nor_a_reply_to_a_deleted_comment(the_post, reader, author):
    floor = comment(the_post, author)
    comment_delete(actor=author, comment_id=floor.pk)
    with pytest.raises(NotFound):
        comment_create(actor=reader, post_id=the_post.pk, text="hi", reply_to_id=floor.pk)
    Post.objects.filter(pk=the_post.pk).update(deleted_at=the_post.created_at)
    with pytest.raises(NotFound):
        comment_create(actor=reader, post_id=the_post.pk, text="hi")


def test_a_reply_must_answer_a_comment_on_the_same_post(the_post, reader, author):
    elsewhere = comment(post(author, "other"), author)
    with pytest.raises(NotFound):
        comment_create(actor=reader, post_id=the_post.pk, text="hi", reply_to_id=elsewhere.pk)


def test_twenty_comments_a_minute_then_a_clear_refusal(the_post, reader, window_start):
    for i in range(comments.COMMENT_LIMIT):
        comment_create(actor=reader, post_id=the_post.pk, text=f"c{i}")
    with pytest.raises(RateLimited):
        comment_create(actor=reader, post_id=the_post.pk, text="one too many")
    assert _fresh(the_post).comments == comments.COMMENT_LIMIT


def test_a_refused_comment_does_not_use_up_the_limit(the_post, reader, author, window_start):
    block(author, reader)
    for _ in range(comments.COMMENT_LIMIT + 1):
        with pytest.raises(DomainError):
            comment_create(actor=reader, post_id=the_post.pk, text="hi")
    Comment.objects.all().delete()
    from apps.accounts.models import Block

    Block.objects.all().delete()
    comment_create(actor=reader, post_id=the_post.pk, text="now it counts")


# --- Blocks ---------------------------------------------------------------------------------------------


def test_a_blocked_person_cannot_comment_on_the_blockers_post(the_post, author, reader):
    block(author, reader)
    with pytest.raises(DomainError) as refused:
        comment_create(actor=reader, post_id=the_post.pk, text="hello")
    assert refused.value.code == "blocked"
    assert not Comment.objects.exists()


def test_a_blocked_person_cannot_reply_to_the_blocker(the_post, reader):
    blocker = person("blocker")
    theirs = comment(the_post, blocker, "mine")
    block(blocker, reader)
    with pytest.raises(DomainError):
        comment_create(actor=reader, post_id=the_post.pk, text="hey", reply_to_id=theirs.pk)
    # ...but may still comment on the post of someone who has not blocked them
    comment_create(actor=reader, post_id=the_post.pk, text="hey")


# --- Notifications and live counts -------------------------------------------------------------------


def test_the_author_hears_of_a_comment_and_the_replied_to_person_of_a_reply(the_post, author, reader):
    third = person("third")
    floor = comment_create(actor=reader, post_id=the_post.pk, text="first")
    comment_create(actor=third, post_id=the_post.pk, text="no", reply_to_id=floor.pk)
    got = set(Notification.objects.values_list("recipient_id", "kind", "actor_id"))
    assert got == {
        (author.pk, "comment", reader.pk),
        (author.pk, "comment", third.pk),
        (reader.pk, "reply", third.pk),
    }


def test_replying_to_the_author_tells_them_once_as_a_reply(the_post, author, reader):
    theirs = comment(the_post, author, "welcome")
    comment_create(actor=reader, post_id=the_post.pk, text="thanks", reply_to_id=theirs.pk)
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [(author.pk, "reply")]


def test_commenting_on_ones_own_post_tells_nobody(the_post, author):
    comment_create(actor=author, post_id=the_post.pk, text="me")
    assert not Notification.objects.exists()


def test_new_counts_go_live_to_everyone_viewing_the_post(the_post, author, reader, published_events):
    with published_events() as sent:
        comment_create(actor=reader, post_id=the_post.pk, text="hi")
    counts = [e for e in sent if e["type"] == "weibo.counts"]
    assert counts == [
        {
            "type": "weibo.counts",
            "data": {"post_id": the_post.pk, "reposts": 0, "comments": 1, "likes": 0},
            "page": f"weibo.post.{the_post.pk}",
        }
    ]


def test_topics_in_a_comment_count_for_hot_search(the_post, reader):
    Topic.objects.create(name="上海下雪了", key="上海下雪了", created_at=the_post.created_at)
    comment_create(actor=reader, post_id=the_post.pk, text="#上海下雪了# and #Double 11# and #double  11#")
    assert sorted(Topic.objects.values_list("key", "posts")) == [("double 11", 1), ("上海下雪了", 1)]
    assert TopicActivity.objects.filter(person=reader).count() == 2


# --- Deleting -------------------------------------------------------------------------------------------


def test_one_deletes_ones_own_comment(the_post, reader):
    mine = comment(the_post, reader)
    comment_delete(actor=reader, comment_id=mine.pk)
    assert _fresh(mine).deleted_at is not None
    assert _fresh(the_post).comments == 0


def test_the_posts_author_may_delete_anyones_comment_on_their_post(the_post, author, reader):
    theirs = comment(the_post, reader)
    comment_delete(actor=author, comment_id=theirs.pk)
    assert _fresh(theirs).deleted_at is not None


def test_nobody_else_deletes_a_comment(the_post, author, reader):
    theirs = comment(the_post, author)
    with pytest.raises(NotFound):
        comment_delete(actor=reader, comment_id=theirs.pk)
    # not even the author of another post
    elsewhere = comment(post(reader, "mine"), author)
    with pytest.raises(NotFound):
        comment_delete(actor=person("stranger"), comment_id=elsewhere.pk)
    assert Comment.objects.filter(deleted_at__isnull=True).count() == 2


def test_deleting_a_floor_takes_its_replies_off_the_count(the_post, author, reader):
    floor = comment(the_post, reader)
    comment(the_post, author, reply_to=floor)
    comment(the_post, reader, reply_to=floor)
    comment(the_post, author)
    comment_delete(actor=author, comment_id=floor.pk)
    assert _fresh(the_post).comments == 1
    assert Comment.objects.filter(deleted_at__isnull=True).count() == 1


def test_deleting_a_reply_takes_it_off_its_floor(the_post, author, reader):
    floor = comment(the_post, author)
    reply = comment(the_post, reader, reply_to=floor)
    comment_delete(actor=reader, comment_id=reply.pk)
    assert _fresh(floor).replies_count == 0
    assert _fresh(the_post).comments == 1


def test_deleting_twice_moves_the_count_once(the_post, reader):
    mine = comment(the_post, reader)
    comment_delete(actor=reader, comment_id=mine.pk)
    assert comments.comment_remove(mine) is False
    assert _fresh(the_post).comments == 0


# --- Reading the thread ---------------------------------------------------------------------------------


def _thread(viewer, the_post, sort="hot"):
    return selectors.floors(viewer=viewer, post=the_post, sort=sort)


def test_two_replies_show_under_each_floor_and_the_rest_are_counted(the_post, author, reader):
    floor = comment(the_post, author)
    replies = [comment(the_post, reader, f"r{i}", reply_to=floor) for i in range(5)]
    page = _thread(reader, the_post)
    [shown] = page.floors
    assert [r.pk for r in shown.replies] == [replies[0].pk, replies[1].pk]
    assert shown.more == 3
    rest, has_more = selectors.floor_replies(viewer=reader, floor=floor)
    assert [r.pk for r in rest] == [r.pk for r in replies] and not has_more


def test_hot_sorts_by_likes_then_replies_then_newest_and_time_by_newest(the_post, author, reader):
    quiet = comment(the_post, author, "quiet")
    talked = comment(the_post, author, "talked about")
    comment(the_post, reader, reply_to=talked)
    liked = comment(the_post, author, "liked", likes=3)
    newest = comment(the_post, author, "newest")
    hot = [f.comment.pk for f in _thread(reader, the_post, "hot").floors]
    assert hot == [liked.pk, talked.pk, newest.pk, quiet.pk]
    by_time = [f.comment.pk for f in _thread(reader, the_post, "time").floors]
    assert by_time == [newest.pk, liked.pk, talked.pk, quiet.pk]


def test_comments_by_people_i_blocked_are_hidden_from_me_only(the_post, author, reader):
    pest = person("pest")
    floor = comment(the_post, pest, "floor by pest")
    comment(the_post, author, "reply by author", reply_to=floor)
    mine = comment(the_post, reader, "mine")
    comment(the_post, pest, "reply by pest", reply_to=mine)
    block(reader, pest)
    page = _thread(reader, the_post)
    assert [(f.comment.pk, [r.text for r in f.replies]) for f in page.floors] == [(mine.pk, [])]
    assert len(_thread(author, the_post).floors) == 2


def test_the_thread_page_reads_in_a_fixed_number_of_queries(
    the_post, author, reader, client, django_assert_max_num_queries
):
    def fill(n):
        for i in range(n):
            floor = comment(the_post, person("f"), f"floor {i} @{author.username} #topic#")
            for j in range(4):
                comment(the_post, person("r"), f"reply {j}", reply_to=floor)

    client.force_login(reader)
    url = reverse("microblog:post_comments", args=[the_post.pk])
    fill(2)
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    fill(18)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="mb-floor"') == 20


def test_the_thread_page_escapes_what_people_write(the_post, author, reader, client):
    comment(the_post, author, '<script>alert("x")</script><b>bold</b>')
    client.force_login(reader)
    html = client.get(reverse("microblog:post_comments", args=[the_post.pk])).content.decode()
    assert "<script>alert" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html


def test_a_mention_in_a_comment_links_only_to_someone_real(the_post, author, reader, client, settings):
    comment(the_post, author, f"@{reader.username.upper()} and @nobody_here")
    people = selectors.people_named({reader.username.upper(), "nobody_here"})
    assert people == {reader.username.upper(): reader}


def test_a_comment_posted_through_the_page_lands_in_its_floor(the_post, author, reader, client):
    floor = comment(the_post, author, "floor")
    client.force_login(reader)
    url = reverse("microblog:comment_new", args=[the_post.pk])
    next_url = reverse("microblog:post_comments", args=[the_post.pk]) + "?sort=time"
    response = client.post(url, {"text": "a reply", "reply_to": str(floor.pk), "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    assert Comment.objects.get(text="a reply").floor_id == floor.pk
    answer = client.post(url, {"text": ""}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 400 and answer.json()["error"] == "Write a comment first."


def test_a_reply_link_works_without_javascript(the_post, author, reader, client):
    floor = comment(the_post, author, "floor")
    client.force_login(reader)
    url = reverse("microblog:post_comments", args=[the_post.pk])
    html = client.get(url, {"reply_to": floor.pk}).content.decode()
    assert f'name="reply_to" value="{floor.pk}"' in html


def test_a_post_i_blocked_the_author_of_is_not_found(the_post, author, reader, client):
    block(reader, author)
    client.force_login(reader)
    assert client.get(reverse("microblog:post_comments", args=[the_post.pk])).status_code == 404


def test_more_replies_page_lists_the_whole_floor(the_post, author, reader, client):
    floor = comment(the_post, author, "floor")
    for i in range(4):
        comment(the_post, reader, f"reply number {i}", reply_to=floor)
    client.force_login(reader)
    html = client.get(reverse("microblog:comment_replies", args=[floor.pk])).content.decode()
    assert all(f"reply number {i}" in html for i in range(4))


def test_deleting_through_the_page_by_the_posts_author(the_post, author, reader, client):
    theirs = comment(the_post, reader)
    client.force_login(author)
    client.post(reverse("microblog:comment_delete", args=[theirs.pk]), {"next": "/"})
    assert _fresh(theirs).deleted_at is not None
