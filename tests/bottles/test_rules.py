"""Every rule of the sea, as a person would notice it: what can be thrown, what a net brings up, and when."""

import random
from datetime import timedelta

import pytest

from apps.accounts import services as accounts
from apps.accounts.models import User
from apps.bottles import rules, selectors, services
from apps.bottles.models import Bottle, Pick, Report
from apps.core import clock
from apps.core.errors import DomainError, NotFound, RateLimited

pytestmark = pytest.mark.django_db


def pick(user, rng=None):
    return services.bottle_pick(actor=user, rng=rng)


def empty_net(user):
    with pytest.raises(DomainError) as caught:
        pick(user)
    assert caught.value.code == "empty"


# --- Throwing --------------------------------------------------------------------------------------------


def test_a_bottle_carries_its_text_and_only_the_throwers_city(throw, seasoned):
    bottle = throw("emma", "  Hello from Auckland!  ")
    assert (bottle.text, bottle.city) == ("Hello from Auckland!", "Auckland")
    assert throw("emma", "no place", with_city=False).city == ""


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "empty"), ("   ", "empty"), ("字" * 201, "too_long"), (None, "empty")],
)
def test_an_empty_or_overlong_bottle_is_refused_and_nothing_is_thrown(throw, text, code):
    with pytest.raises(DomainError) as caught:
        throw("emma", text)
    assert caught.value.code == code
    assert not Bottle.objects.exists()


def test_two_hundred_characters_fit(throw):
    assert len(throw("emma", "字" * 200).text) == 200


@pytest.mark.parametrize(
    "text", ["加微信 聊聊", "加 微 信 聊聊", "Looking for an ESCORT", "ｅｓｃｏｒｔ here", "hook-up tonight"]
)
def test_the_keyword_filter_refuses_a_throw_with_a_clear_message(throw, settings, text):
    settings.BOTTLE_BLOCKED_WORDS = ["加微信", "escort", "hookup"]
    with pytest.raises(DomainError) as caught:
        throw("emma", text)
    assert caught.value.code == "blocked_word"
    assert "another way" in str(caught.value.message)
    assert not Bottle.objects.exists()


def test_the_keyword_filter_reads_settings(throw, settings):
    settings.BOTTLE_BLOCKED_WORDS = []
    assert throw("emma", "加微信")


def test_a_bottle_drifts_seven_days_then_washes_away(throw, seasoned):
    bottle = throw("emma")
    with clock.travel(timedelta(days=7) - timedelta(minutes=1)):
        assert pick(seasoned["liwei"]).bottle == bottle
    services.bottle_throw_back(actor=seasoned["liwei"], bottle_id=bottle.pk)
    with clock.travel(timedelta(days=7, seconds=1)):
        empty_net(seasoned["tom"])  # before the sweep has run
        assert services.bottles_sweep()["washed_away"] == 1
        assert not Bottle.objects.get(pk=bottle.pk).in_sea
        assert selectors.state_of(Bottle.objects.get(pk=bottle.pk)) == "washed"


# --- What a net brings up --------------------------------------------------------------------------------


def test_a_net_never_brings_up_your_own_bottle(throw, seasoned):
    throw("emma")
    empty_net(seasoned["emma"])


def test_a_net_never_brings_up_a_bottle_you_picked_before(throw, seasoned):
    bottle = throw("emma")
    liwei = seasoned["liwei"]
    assert pick(liwei).bottle == bottle
    services.bottle_throw_back(actor=liwei, bottle_id=bottle.pk)
    empty_net(liwei)
    assert pick(seasoned["tom"]).bottle == bottle  # still in the sea for others


@pytest.mark.parametrize("who_blocks", ["finder", "thrower"])
def test_blocks_hide_bottles_either_way(throw, seasoned, who_blocks):
    throw("emma")
    finder, thrower = seasoned["tom"], seasoned["emma"]
    if who_blocks == "finder":
        accounts.user_block(actor=finder, target=thrower)
    else:
        accounts.user_block(actor=thrower, target=finder)
    empty_net(finder)
    assert pick(seasoned["liwei"]).bottle.thrower == thrower


def test_a_reported_bottle_is_hidden_at_once_for_everyone(throw, seasoned):
    bottle = throw("emma", "spam spam")
    liwei = seasoned["liwei"]
    assert pick(liwei).bottle == bottle
    services.bottle_report(actor=liwei, bottle_id=bottle.pk, reason="spam")
    assert services.in_hand(liwei) is None
    empty_net(seasoned["tom"])
    assert Report.objects.get().status == Report.Status.OPEN
    assert selectors.state_of(Bottle.objects.get(pk=bottle.pk)) == "hidden"
    services.bottles_sweep()  # the sweep puts back held bottles, never hidden ones
    empty_net(seasoned["tom"])


def test_a_moderator_can_put_a_reported_bottle_back_or_keep_it_hidden(throw, seasoned):
    kept = throw("emma", "bad")
    assert pick(seasoned["liwei"]).bottle == kept
    services.bottle_report(actor=seasoned["liwei"], bottle_id=kept.pk)
    restored = throw("sophie", "fine")
    assert pick(seasoned["james"]).bottle == restored
    services.bottle_report(actor=seasoned["james"], bottle_id=restored.pk)
    services.reports_uphold(reports=list(Report.objects.filter(bottle=kept)))
    services.reports_restore(reports=list(Report.objects.filter(bottle=restored)))
    assert pick(seasoned["tom"]).bottle == restored
    assert Report.objects.get(bottle=kept).status == Report.Status.UPHELD
    assert Report.objects.get(bottle=restored).status == Report.Status.RESTORED


def test_only_someone_who_picked_a_bottle_can_report_it(throw, seasoned):
    bottle = throw("emma")
    with pytest.raises(NotFound):
        services.bottle_report(actor=seasoned["tom"], bottle_id=bottle.pk)
    assert Bottle.objects.get(pk=bottle.pk).hidden_at is None


def test_a_bottle_is_in_one_persons_hands_at_a_time(throw, seasoned):
    bottle = throw("emma")
    liwei, tom = seasoned["liwei"], seasoned["tom"]
    assert pick(liwei).bottle == bottle
    empty_net(tom)
    services.bottle_throw_back(actor=liwei, bottle_id=bottle.pk)
    assert pick(tom).bottle == bottle


def test_you_hold_one_bottle_at_a_time(throw, seasoned):
    throw("emma")
    throw("sophie")
    liwei = seasoned["liwei"]
    assert pick(liwei).bottle
    with pytest.raises(DomainError) as caught:
        pick(liwei)
    assert caught.value.code == "in_hand"
    assert Pick.objects.filter(picker=liwei).count() == 1
    assert selectors.quota_of(liwei).picks_left == 19  # the refused cast did not count


def test_an_unanswered_bottle_drifts_back_after_a_while(throw, seasoned, settings):
    settings.BOTTLE_HOLD = timedelta(minutes=10)
    bottle = throw("emma")
    liwei, tom = seasoned["liwei"], seasoned["tom"]
    assert pick(liwei).bottle == bottle
    with clock.travel(timedelta(minutes=9)):
        assert services.bottles_sweep()["returned"] == 0
        empty_net(tom)
    with clock.travel(timedelta(minutes=10, seconds=1)):
        assert services.in_hand(liwei) is None  # not in their hands any more, swept or not
        with pytest.raises(NotFound):
            services.bottle_reply(actor=liwei, bottle_id=bottle.pk, text="too late")
        assert services.bottles_sweep()["returned"] == 1
        assert Pick.objects.get(picker=liwei).outcome == Pick.Outcome.RETURNED
        assert pick(tom).bottle == bottle


def test_picks_are_spread_over_the_sea_not_the_oldest_first(seasoned, rng):
    emma = seasoned["emma"]
    bottles = [services.bottle_throw(actor=emma, text=f"#{n}") for n in range(20)]
    Bottle.objects.bulk_create(
        [
            Bottle(thrower=emma, text=f"#{n}", created_at=clock.now(), expires_at=clock.now() + timedelta(days=7),
                   spot=random.Random(n).randrange(2**31 - 1))
            for n in range(20, 200)
        ]
    )  # fmt: skip
    order = {b.pk: n for n, b in enumerate(Bottle.objects.order_by("pk"))}
    assert len(order) == 200 and bottles[0].pk == min(order)
    positions = []
    for n in range(40):
        finder = User.objects.create(username=f"finder{n}", public_id=f"finder{n}", date_joined=clock.now())
        positions.append(order[pick(finder, rng).bottle.pk])
    positions.sort()
    # Forty picks from 200 bottles: not the oldest forty, and spread over the whole sea.
    assert positions != list(range(40))
    assert positions[len(positions) // 2] > 50 and positions[-1] > 150


# --- Starfish --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.25, 0.5])
def test_about_the_configured_share_of_casts_bring_up_a_starfish(seasoned, settings, rate):
    settings.BOTTLE_STARFISH_RATE = rate
    settings.BOTTLE_PICKS_PER_DAY = 10_000
    casts, starfish = 2000, 0
    rng = random.Random(11)
    for _ in range(casts):
        try:
            starfish += pick(seasoned["liwei"], rng).starfish  # the sea is empty: a bottle would be "empty"
        except DomainError as exc:
            assert exc.code == "empty"
    # Binomial: sd = sqrt(n p (1 - p)) ≤ 23 casts; allow five of them.
    assert abs(starfish - casts * rate) < 5 * (casts * rate * (1 - rate)) ** 0.5


def test_a_starfish_counts_as_a_cast_and_leaves_the_sea_alone(throw, seasoned, settings):
    settings.BOTTLE_STARFISH_RATE = 1
    throw("emma")
    assert pick(seasoned["liwei"]).starfish
    assert selectors.quota_of(seasoned["liwei"]).picks_left == 19
    assert Bottle.objects.get().in_sea


def test_an_empty_sea_costs_no_cast(seasoned):
    empty_net(seasoned["liwei"])
    assert selectors.quota_of(seasoned["liwei"]).picks_left == 20


# --- Daily quotas on Shanghai's day ----------------------------------------------------------------------


def test_twenty_throws_a_day_then_a_clear_message_and_a_new_day_at_shanghai_midnight(throw, clock_at):
    clock_at("2026-12-05T15:30:00Z")  # 23:30 in Shanghai, still 5 December in UTC after midnight there
    for n in range(20):
        throw("emma", f"bottle {n}")
    with pytest.raises(RateLimited) as caught:
        throw("emma", "one more")
    assert "20" in str(caught.value.message)
    assert Bottle.objects.count() == 20
    clock_at("2026-12-05T16:00:01Z")  # 00:00:01 on 6 December in Shanghai; UTC's day has not turned
    assert throw("emma", "a new day")


def test_twenty_picks_a_day_then_a_clear_message_and_a_new_day_at_shanghai_midnight(
    seasoned, settings, clock_at
):
    settings.BOTTLE_STARFISH_RATE = 1  # every cast a starfish: no bottles needed
    liwei = seasoned["liwei"]
    clock_at("2026-12-05T15:50:00Z")
    for _ in range(20):
        assert pick(liwei).starfish
    with pytest.raises(RateLimited) as caught:
        pick(liwei)
    assert "tomorrow" in str(caught.value.message)
    assert selectors.quota_of(liwei).picks_left == 0
    clock_at("2026-12-05T16:00:01Z")
    assert selectors.quota_of(liwei).picks_left == 20
    assert pick(liwei).starfish


def test_quotas_come_from_settings(throw, settings):
    settings.BOTTLE_THROWS_PER_DAY = 2
    throw("emma")
    throw("emma")
    with pytest.raises(RateLimited):
        throw("emma")


def test_a_new_account_throws_fewer_bottles_on_its_first_day(cast, settings):
    settings.BOTTLE_NEW_ACCOUNT_THROWS_PER_DAY = 3
    newcomer = User.objects.create(username="newbie", public_id="newbie", date_joined=clock.now())
    for n in range(3):
        services.bottle_throw(actor=newcomer, text=f"hi {n}")
    with pytest.raises(RateLimited):
        services.bottle_throw(actor=newcomer, text="once more")
    assert selectors.quota_of(newcomer).throws_per_day == 3
    with clock.travel(rules.setting("BOTTLE_NEW_ACCOUNT_AGE") + timedelta(days=1)):
        assert selectors.quota_of(newcomer).throws_per_day == 20


def test_a_pick_takes_a_bounded_number_of_queries(throw, seasoned, django_assert_max_num_queries):
    for n in range(30):
        throw("emma" if n < 15 else "sophie", f"#{n}")
    first = pick(seasoned["liwei"]).bottle  # the day's first cast also makes the day's counter row
    services.bottle_throw_back(actor=seasoned["liwei"], bottle_id=first.pk)
    with django_assert_max_num_queries(9):
        assert pick(seasoned["liwei"]).bottle


def test_someone_who_threw_a_bottle_back_can_still_report_it_and_it_leaves_the_sea(throw, seasoned):
    bottle = throw("emma", "rude words")
    liwei = seasoned["liwei"]
    assert pick(liwei).bottle == bottle
    services.bottle_throw_back(actor=liwei, bottle_id=bottle.pk)
    services.bottle_report(actor=liwei, bottle_id=bottle.pk)
    empty_net(seasoned["tom"])


def test_a_bottle_taken_between_the_look_and_the_claim_is_not_taken_twice(throw, seasoned, monkeypatch):
    bottle = throw("emma")
    assert pick(seasoned["tom"]).bottle == bottle
    # A stale look at the sea (what a reader without the row lock may see): the held bottle still seems there.
    monkeypatch.setattr(services, "_sea_for", lambda user: Bottle.objects.exclude(thrower=user))
    empty_net(seasoned["liwei"])
    assert services.in_hand(seasoned["tom"]) == bottle


def test_a_restored_report_never_puts_an_answered_bottle_back_in_the_sea(throw, seasoned):
    bottle = throw("emma", "hello")
    liwei = seasoned["liwei"]
    assert pick(liwei).bottle == bottle
    services.bottle_reply(actor=liwei, bottle_id=bottle.pk, text="hi!")
    services.bottle_report(actor=liwei, bottle_id=bottle.pk)
    services.reports_restore(reports=list(Report.objects.all()))
    empty_net(seasoned["tom"])
    assert selectors.state_of(Bottle.objects.get(pk=bottle.pk)) == "replied"


def test_a_bottle_that_expires_in_someones_hands_washes_away(throw, seasoned):
    bottle = throw("emma")
    with clock.travel(timedelta(days=7) - timedelta(minutes=1)):
        assert pick(seasoned["liwei"]).bottle == bottle
    with clock.travel(timedelta(days=7, minutes=30)):
        assert services.bottles_sweep() == {"returned": 1, "washed_away": 1}
        assert not Bottle.objects.get(pk=bottle.pk).in_sea
        empty_net(seasoned["tom"])


def test_the_sample_people_are_no_newcomers_and_throw_the_full_quota(liwei):
    assert rules.throws_per_day(liwei) == rules.setting("BOTTLE_THROWS_PER_DAY")
