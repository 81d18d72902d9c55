"""Hot search: distinct people in a sliding window, recent activity weighted more, against the topic's own
baseline; marks; moderators' hide; the list replaced whole, pushed live, and run as periodic work."""

from datetime import timedelta

import pytest

from apps.core import clock, events, periodic
from apps.core.errors import DomainError
from apps.microblog.models import HotTopic, TopicActivity
from apps.microblog.services import topics
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
