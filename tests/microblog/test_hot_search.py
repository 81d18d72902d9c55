"""Hot search: distinct people in a sliding window, recent activity weighted more, against the topic's own
baseline (the snapshot an hour old); the counts kept as activity is written; a list that cools instead of
emptying; marks; moderators' hide; the list replaced whole, pushed live, and run as periodic work."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from apps.core import clock, events, periodic
from apps.core.errors import DomainError
from apps.microblog.models import HotSnapshot, HotTopic, Topic, TopicActivity, TopicPerson
from apps.microblog.services import comments, posts, topic_activity, topics
from apps.microblog.services.topics import Heat, Mark, heat_of, hot_search_refresh, mark_of
from tests.microblog.topics_kit import activity, make_people, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd():
    return make_people(40)


@pytest.fixture
def pushed(monkeypatch):
    """Events pushed to live pages (run the commit callbacks to send them)."""
    sent = []
    monkeypatch.setattr(events, "deliver_page", lambda page, event: sent.append((page, event)))
    return sent


def ranked() -> list[str]:
    return [h.topic.name for h in HotTopic.objects.select_related("topic").order_by("rank")]


def test_more_distinct_people_rank_higher(crowd):
    activity(make_topic("few"), crowd[:4], minutes_ago=5)
    activity(make_topic("many"), crowd[:8], minutes_ago=5)
    hot_search_refresh()
    assert ranked() == ["many", "few"]
    assert list(HotTopic.objects.values_list("rank", flat=True)) == [1, 2]


def test_recent_activity_weighs_more_than_older_in_the_window(crowd):
    activity(make_topic("earlier"), crowd[:6], minutes_ago=50)
    activity(make_topic("now"), crowd[6:12], minutes_ago=3)
    hot_search_refresh()
    assert ranked() == ["now", "earlier"]


def test_one_account_spamming_a_topic_does_not_rank_it(crowd):
    activity(make_topic("spam"), crowd[:1], minutes_ago=2, times=200)
    activity(make_topic("two friends"), crowd[1:3], minutes_ago=2, times=50)
    activity(make_topic("real"), crowd[3:6], minutes_ago=2)
    hot_search_refresh()
    assert ranked() == ["real"]


def test_an_always_busy_topic_is_not_hot_but_a_surge_against_its_baseline_is(crowd):
    steady, surging = make_topic("weather"), make_topic("snow")
    for minute in range(0, 120, 6):  # the same ten people all through both hours
        activity(steady, crowd[:10], minutes_ago=minute + 1)
    activity(surging, crowd[:3], minutes_ago=90)  # a little in the hour before
    activity(surging, crowd[10:30], minutes_ago=4)  # twenty people now
    hot_search_refresh()
    assert ranked() == ["snow"]


def test_activity_outside_window_and_baseline_counts_for_nothing_and_is_pruned(crowd):
    old = make_topic("yesterday")
    activity(old, crowd[:20], minutes_ago=122)
    activity(make_topic("kept"), crowd[:3], minutes_ago=117)
    hot_search_refresh()
    assert ranked() == []  # "kept" is baseline only: nothing in the window
    assert not TopicActivity.objects.filter(topic=old).exists()
    assert TopicActivity.objects.count() == 3


def test_hidden_topics_are_left_out(crowd):
    activity(make_topic("rumour", hidden=True), crowd[:20], minutes_ago=1)
    activity(make_topic("fine"), crowd[:3], minutes_ago=1)
    hot_search_refresh()
    assert ranked() == ["fine"]


def test_moderators_hide_a_topic_and_the_list_is_recomputed_at_once(
    crowd, admin_user, django_capture_on_commit_callbacks
):
    rumour = make_topic("rumour")
    activity(rumour, crowd[:20], minutes_ago=1)
    hot_search_refresh()
    assert ranked() == ["rumour"]
    with django_capture_on_commit_callbacks(execute=True):
        topics.topics_hide(actor=admin_user, topic_ids=[rumour.pk])
    assert ranked() == []


def test_only_moderators_hide_topics(crowd):
    rumour = make_topic("rumour")
    with pytest.raises(DomainError):
        topics.topics_hide(actor=crowd[0], topic_ids=[rumour.pk])
    rumour.refresh_from_db()
    assert not rumour.hidden


def test_the_list_holds_the_top_fifty(crowd):
    for i in range(55):
        activity(make_topic(f"t{i}"), crowd[: 3 + i % 7], minutes_ago=2)
    listed = hot_search_refresh()
    assert len(listed) == 50 == HotTopic.objects.count()
    assert [h.rank for h in HotTopic.objects.all()] == list(range(1, 51))
    heats = list(HotTopic.objects.values_list("heat", flat=True))
    assert heats == sorted(heats, reverse=True)


def test_the_list_is_replaced_whole_and_pushed_to_open_pages(
    crowd, pushed, django_capture_on_commit_callbacks
):
    gone = make_topic("gone")
    activity(gone, crowd[:3], minutes_ago=5)
    hot_search_refresh()
    clock.advance(timedelta(hours=2, minutes=1))  # "gone" leaves the window and its baseline: it cools
    activity(make_topic("<b>new</b>"), crowd[:5], minutes_ago=1)
    with django_capture_on_commit_callbacks(execute=True):
        hot_search_refresh()
    assert ranked() == ["<b>new</b>", "gone"]
    page, event = pushed[-1]
    assert page == "weibo.hot" and event["type"] == "weibo.hot"
    assert [(t["rank"], t["name"]) for t in event["data"]["topics"]] == [(1, "<b>new</b>"), (2, "gone")]


# --- The counts kept as activity is written ------------------------------------------------------------


def counted(topic) -> tuple[int, int]:
    topic.refresh_from_db()
    return topic.window_people, topic.recent_people


def test_a_person_writing_again_and_again_is_counted_once(crowd):
    snow = make_topic("snow")
    activity(snow, crowd[:1], minutes_ago=2, times=30)
    activity(snow, crowd[1:3], minutes_ago=1)
    assert counted(snow) == (3, 3)
    assert TopicPerson.objects.filter(topic=snow).count() == 3


def test_a_row_the_refresh_deletes_under_a_write_is_written_again(crowd, monkeypatch):
    """The refresh may delete someone's row (left the window) between a write's insert and its update."""
    snow = make_topic("snow")
    activity(snow, crowd[:1], minutes_ago=70)
    insert = TopicPerson.objects.bulk_create

    def insert_then_swept(rows, **kwargs):
        insert(rows, **kwargs)
        monkeypatch.setattr(TopicPerson.objects, "bulk_create", insert)
        TopicPerson.objects.filter(topic=snow).delete()  # what the sweep does, uncounting its person
        Topic.objects.filter(pk=snow.pk).update(window_people=0, recent_people=0)

    monkeypatch.setattr(TopicPerson.objects, "bulk_create", insert_then_swept)
    activity(snow, crowd[:1], minutes_ago=1)
    assert counted(snow) == (1, 1)


def test_posts_reposts_and_comments_count_their_people(liwei, wangfang, zhangmin, window_start):
    original = posts.post_create(actor=liwei, text="#上海下雪了# 外滩")
    posts.post_repost(actor=wangfang, post=original, comment="好大的雪")  # credits the original's topic
    comments.comment_create(actor=zhangmin, post_id=original.pk, text="#上海下雪了# 鞍山更大")
    comments.comment_create(actor=zhangmin, post_id=original.pk, text="#上海下雪了# 真的")
    assert counted(Topic.objects.get(name="上海下雪了")) == (3, 3)


def test_people_leave_the_counts_as_their_activity_leaves_the_window(crowd):
    snow = make_topic("snow")
    activity(snow, crowd[:4], minutes_ago=5)
    hot_search_refresh()
    assert counted(snow) == (4, 4)
    clock.advance(timedelta(minutes=6))  # out of the last 10 minutes, still in the hour
    activity(snow, crowd[:1], minutes_ago=0)  # ...but this one is back
    hot_search_refresh()
    assert counted(snow) == (4, 1)
    clock.advance(timedelta(minutes=50))  # the other three are out of the hour
    hot_search_refresh()
    assert counted(snow) == (1, 0)
    assert list(TopicPerson.objects.values_list("person", flat=True)) == [crowd[0].pk]


def test_the_baseline_is_what_the_refresh_counted_an_hour_before(crowd):
    rising = make_topic("rising")
    activity(rising, crowd[:2], minutes_ago=1)  # too few to rank, but counted
    hot_search_refresh()
    assert HotTopic.objects.count() == 0
    clock.advance(timedelta(hours=1))
    TopicActivity.objects.all().delete()  # only the snapshot remembers that hour
    activity(rising, crowd[2:5], minutes_ago=1)
    hot_search_refresh()
    # observed 3 + 2 × 3 = 9 against 2 + 2 × 2 = 6 an hour ago (without it, against 1: heat 800)
    assert HotTopic.objects.get().heat == round(100 * 3 / 6**0.5)


def test_without_a_snapshot_from_an_hour_ago_the_baseline_is_counted_from_activity(crowd):
    rising = make_topic("rising")
    activity(rising, crowd[:2], minutes_ago=61)
    activity(rising, crowd[2:5], minutes_ago=1)
    hot_search_refresh()
    assert HotSnapshot.objects.count() == 1  # its own, for an hour from now
    assert HotTopic.objects.get().heat == round(100 * 3 / 6**0.5)


def test_old_activity_is_pruned_a_batch_at_a_time(crowd, monkeypatch):
    monkeypatch.setattr(topic_activity, "PRUNE_BATCH", 10)
    last_week = make_topic("last week")
    for minute in range(25):
        activity(last_week, crowd[minute : minute + 1], minutes_ago=7 * 24 * 60 - minute)
    activity(make_topic("now"), crowd[:3], minutes_ago=1)
    hot_search_refresh()
    assert TopicActivity.objects.count() == 15 + 3
    hot_search_refresh()
    hot_search_refresh()
    assert TopicActivity.objects.count() == 3


def test_a_refresh_takes_the_same_queries_whatever_the_activity(crowd, django_assert_max_num_queries):
    """Two savepoints (a test's transaction), the sweep (2 + 1 for its leavers), the counts, the snapshot of an
    hour ago (+ the activity of that hour, with none), the last list, its new topics, the list replaced (2),
    this snapshot, the prune (2)."""
    activity(make_topic("one"), crowd[:3], minutes_ago=1)
    with django_assert_max_num_queries(16) as few:
        hot_search_refresh()
    for i in range(60):
        activity(make_topic(f"t{i}"), crowd[: 3 + i % 30], minutes_ago=70 - i)
    clock.advance(timedelta(minutes=20))
    with django_assert_max_num_queries(len(few.captured_queries) + 1):  # + the leavers' update
        hot_search_refresh()


# --- A list that quiet does not empty ------------------------------------------------------------------


def test_a_topic_no_longer_hot_stays_on_the_list_cooling(crowd):
    snow = make_topic("snow")
    activity(snow, crowd[:25], minutes_ago=2)
    [listed] = hot_search_refresh()
    assert (listed.heat, listed.mark) == (7400, Mark.EXPLOSIVE)
    clock.advance(timedelta(hours=3))  # nobody mentions it again
    [cooled] = hot_search_refresh()
    assert cooled.topic_id == snow.pk and cooled.heat == 7400 // 8 and cooled.mark == Mark.NONE
    clock.advance(timedelta(days=7))
    assert [h.topic_id for h in hot_search_refresh()] == [snow.pk]  # never emptied by quiet
    assert HotTopic.objects.get().heat == 1


def test_a_cooling_topic_ranks_by_its_cooled_heat_and_is_pushed_out_of_a_full_list(crowd, monkeypatch):
    monkeypatch.setattr(topics, "LIST_SIZE", 2)
    activity(make_topic("yesterday"), crowd[:25], minutes_ago=2)  # 7,400
    hot_search_refresh()
    clock.advance(timedelta(hours=2))  # cooled to 1,850
    activity(make_topic("hotter"), crowd[:10], minutes_ago=2)  # 2,900
    cooler = make_topic("cooler")
    activity(cooler, crowd[10:15], minutes_ago=2)  # 1,400
    hot_search_refresh()
    assert ranked() == ["hotter", "yesterday"]
    clock.advance(timedelta(hours=1))  # 925 now; "hotter" 1,450
    activity(cooler, crowd[15:35], minutes_ago=2)  # 20 people against its 5 an hour ago: 1,162
    hot_search_refresh()
    assert ranked() == ["hotter", "cooler"]


def test_an_hour_after_seeding_the_snow_is_still_on_top_of_a_full_list(cast):
    call_command("seed_demo", verbosity=0)
    first = ranked()
    clock.advance(timedelta(hours=1))
    hot_search_refresh()
    assert ranked() == first and first[0] == "上海下雪了"
    clock.advance(timedelta(hours=23))
    hot_search_refresh()
    assert ranked() == first


# --- Marks ---------------------------------------------------------------------------------------------


def test_heat_is_zero_below_three_people_or_at_the_baseline():
    assert heat_of(window=2, recent=2, baseline=0) is None
    assert heat_of(window=12, recent=2, baseline=12, baseline_recent=2) is None  # its usual pace
    assert heat_of(window=3, recent=3, baseline=0).heat > 0


@pytest.mark.parametrize(
    ("heat", "rise", "young", "entered", "mark"),
    [
        (6000, 2.0, False, False, Mark.EXPLOSIVE),
        (6000, 1.0, False, False, Mark.BOILING),  # very hot but no longer speeding up
        (3000, 6.0, False, False, Mark.BOILING),
        (1000, 6.0, False, False, Mark.HOT),
        (999, 6.0, True, False, Mark.NEW),
        (999, 6.0, False, True, Mark.NEW),
        (999, 6.0, False, False, Mark.NONE),
    ],
)
def test_marks_follow_heat_rise_and_newness(heat, rise, young, entered, mark):
    assert mark_of(Heat(heat=heat, rise=rise), young=young, entered=entered) == mark


def test_marks_on_the_list(crowd):
    explosive, boiling, hot = make_topic("explosive"), make_topic("boiling"), make_topic("hot")
    young = make_topic("young", age=timedelta(minutes=20))
    activity(explosive, crowd[:25], minutes_ago=2)  # heat 7,400, all in the last 10 minutes
    activity(boiling, crowd[:30], minutes_ago=40)  # 30 people, none lately...
    activity(boiling, crowd[30:36], minutes_ago=2)  # ...and 6 now: heat 4,700, rise 1.2
    activity(hot, crowd[:5], minutes_ago=2)  # 1,400
    activity(young, crowd[:3], minutes_ago=2)  # 800
    hot_search_refresh()
    marks = dict(HotTopic.objects.values_list("topic__name", "mark"))
    assert marks == {"explosive": "explosive", "boiling": "boiling", "hot": "hot", "young": "new"}


def test_an_old_topic_is_new_on_the_list_only_when_it_enters(crowd):
    activity(make_topic("back again"), crowd[:3], minutes_ago=2)
    hot_search_refresh()
    assert HotTopic.objects.get().mark == Mark.NEW
    hot_search_refresh()
    assert HotTopic.objects.get().mark == Mark.NONE


# --- Periodic work ---------------------------------------------------------------------------------------


def test_the_refresh_is_registered_as_periodic_work_every_minute():
    job = next(j for j in periodic.jobs() if j.name == "weibo.hot_search")
    assert job.run is hot_search_refresh and job.every <= 60


def test_the_refresh_runs_once_per_minute_across_workers(crowd, monkeypatch):
    monkeypatch.setattr(periodic, "_jobs", {})
    monkeypatch.setattr(periodic, "_next_look", {})
    periodic.register("weibo.hot_search", hot_search_refresh, every=60)
    activity(make_topic("snow"), crowd[:3], minutes_ago=1)
    assert [h.topic.name for h in periodic.run_due(holder="worker-1")["weibo.hot_search"]] == ["snow"]
    assert periodic.run_due(holder="worker-2") == {}
    clock.advance(timedelta(seconds=61))
    assert "weibo.hot_search" in periodic.run_due(holder="worker-2")
    assert periodic.run_due(holder="worker-1") == {}
