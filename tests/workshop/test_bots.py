"""Rehearsal bots: they join by the console's code over real HTTP, chat over a real websocket, and leave by
themselves; the console starts them as a process of their own and stops them, for demo hosts only."""

import asyncio
import random
import signal
import subprocess
import time

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from apps.chat.models import Membership, Message
from apps.chat.seed import seed as chat_seed
from apps.core import consumers
from apps.core.clients import Browser
from apps.core.errors import DomainError, NotFound
from apps.wallet import services as wallet
from apps.wallet.models import Grab, PaymentProfile
from apps.wallet.seed import DEMO_PIN
from apps.workshop import bots, joining, scenes
from apps.workshop import seed as workshop_seed
from apps.workshop.models import Attendee
from tests.concurrency import at_once
from tests.conftest import in_thread, session_key_for


@pytest.fixture
def room(cast, demo):
    chat_seed()
    workshop_seed.seed()
    host = cast["james"]
    return {"host": host, "group": joining.workshop_group(host)}


def command(*args, **options):
    """A management command in a thread of its own (away from any event loop of this one), which closes its
    database connection when done."""
    try:
        call_command(*args, **options)
    finally:
        connection.close()


# --- A short live run ----------------------------------------------------------------------------------


def test_three_bots_join_chat_in_the_group_and_stop_by_themselves(room, live_url, capsys):
    started = time.monotonic()
    in_thread(command, "workshop_bots", count=3, minutes=0.1, url=live_url, join_over=1, seed=7)
    took = time.monotonic() - started
    out = capsys.readouterr().out
    assert "joined: 3" in out
    people = list(Attendee.objects.values_list("user_id", flat=True))
    assert len(people) == 3
    assert Membership.objects.filter(conversation=room["group"], user_id__in=people, active=True).count() == 3
    said = Message.objects.filter(conversation=room["group"], sender_id__in=people, kind="text")
    assert said.values("sender").distinct().count() == 3  # each said hello over the websocket at least
    assert took < 0.1 * 60 + 30  # stopped by itself: its minutes, then the bounded farewell at most
    deadline = time.monotonic() + 5
    while consumers.open_sockets() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not consumers.open_sockets()  # every bot closed its websocket


def test_bots_grab_a_red_packet_that_appears(room, live_url):
    PaymentProfile.objects.filter(pk=wallet.profile_for(room["host"]).pk).update(
        pin_hash=make_password(DEMO_PIN)
    )

    join_path = reverse("workshop:join", args=[joining.token_for(joining.join_code())])
    presenter = Browser(live_url, f"{settings.SESSION_COOKIE_NAME}={session_key_for(room['host'])}")

    async def rehearse():
        tally = bots.Tally()
        run = asyncio.ensure_future(
            bots.run_bots(live_url, join_path, count=2, seconds=8, join_over=0.5, tally=tally)
        )
        while tally.joined < 2 and not run.done():
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # their websockets open
        form = {"csrfmiddlewaretoken": presenter.give_csrf_cookie()}  # the console's button
        status, _headers, _body = await presenter.request(
            "POST", reverse("workshop:scene", args=["storm"]), form=form
        )
        assert status == 302
        await presenter.close()
        return await run

    tally = in_thread(asyncio.run, rehearse())
    assert tally.done["grab: share"] == 2, "; ".join(tally.lines())
    attendees = Attendee.objects.values_list("user_id", flat=True)
    assert Grab.objects.filter(user_id__in=attendees).count() == 2


def test_bots_throw_pick_shake_and_post_over_the_real_paths(room, live_url, settings):
    from apps.bottles.models import Bottle, Pick
    from apps.microblog.models import Post
    from apps.microblog.text import topic_key
    from apps.nearby.models import Presence, ShakeAttempt

    settings.BOTTLE_STARFISH_RATE = 0  # the net always brings up a bottle (the only one: A's)
    join_path = reverse("workshop:join", args=[joining.token_for(joining.join_code())])

    async def two_people():
        tally = bots.Tally()
        rng = random.Random(3)
        a, b = (bots.Bot(live_url, join_path, name, tally, rng) for name in ("Ada bot", "Ben bot"))
        for bot in (a, b):
            assert await bot.join() and await bot.connect() and await bot.be_nearby()
        await a.throw_bottle()
        await b.pick_bottle()  # read a moment, then thrown back for someone else
        await asyncio.gather(a.shake(), b.shake())
        await a.post_weibo()
        await asyncio.sleep(0.5)  # the match's event
        for bot in (a, b):
            await bot.close()
        return tally

    tally = in_thread(asyncio.run, two_people())
    assert tally.done["bottles thrown"] == 1 and tally.done["bottles picked"] == 1, tally.lines()
    bottle = Bottle.objects.get()
    assert Pick.objects.filter(bottle=bottle).count() == 1 and bottle.in_sea  # thrown back
    assert Presence.objects.filter(visible=True).count() == 2
    assert ShakeAttempt.objects.filter(state=ShakeAttempt.State.MATCHED).count() == 2
    assert tally.done["shake matched"] == 2 and not tally.errors
    assert Post.objects.filter(posttopic__topic__key=topic_key(scenes.TOPIC)).count() == 1


def test_a_stopped_run_ends_at_once_and_every_bot_leaves(room, live_url):
    join_path = reverse("workshop:join", args=[joining.token_for(joining.join_code())])

    async def rehearse():
        stop = asyncio.Event()
        run = asyncio.ensure_future(
            bots.run_bots(live_url, join_path, count=2, seconds=600, join_over=0.5, stop=stop)
        )
        await asyncio.sleep(3)
        started = time.monotonic()
        stop.set()
        tally = await run
        return tally, time.monotonic() - started

    tally, took = in_thread(asyncio.run, rehearse())
    assert tally.joined == 2
    assert took < 10  # not the run's 10 minutes


# --- The console's button ----------------------------------------------------------------------------------


class FakeProcess:
    pid = 424242

    def wait(self):
        return 0


@pytest.fixture
def spawned(monkeypatch):
    """Processes the console would start (none really is), and process groups it would signal."""
    started, signalled = [], []

    def popen(command, **kwargs):
        started.append((command, kwargs))
        return FakeProcess()

    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.setattr(bots, "_is_bots", lambda pid: pid == FakeProcess.pid and bool(started))
    monkeypatch.setattr(bots.os, "killpg", lambda pid, sig: signalled.append((pid, sig)))
    return {"started": started, "signalled": signalled}


def test_the_console_starts_bots_as_their_own_process_and_shows_them(room, client_as, spawned):
    client = client_as(room["host"])
    response = client.post(
        reverse("workshop:bots"), {"action": "start", "count": "20", "minutes": "2"}, follow=True
    )
    ((command, kwargs),) = spawned["started"]
    assert command[-8:] == [
        "workshop_bots",
        "--count",
        "20",
        "--minutes",
        "2.0",
        "--url",
        "http://testserver",
        "--quiet",
    ]
    assert kwargs["start_new_session"] is True  # its own process group: stopped as one
    assert any("20 bots are joining" in str(m) for m in response.context["messages"])
    page = client.get(reverse("workshop:console")).content.decode()
    assert 'data-testid="bots-running"' in page and 'data-testid="bots-stop"' in page
    client.post(reverse("workshop:bots"), {"action": "start", "count": "5", "minutes": "1"})
    assert len(spawned["started"]) == 1  # one run at a time


def test_two_presses_at_once_start_one_run(transactional_db, room, spawned, monkeypatch):
    slow = (
        subprocess.Popen
    )  # the fake: slowed, so both presses are past their first look before either spawns

    def popen(*args, **kwargs):
        time.sleep(0.2)
        return slow(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    results = at_once(
        lambda _: bots.start(actor=room["host"], count=3, minutes=1, base_url="http://testserver"), range(4)
    )
    assert len(spawned["started"]) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 3


def test_the_console_stops_the_bots(room, client_as, spawned):
    client = client_as(room["host"])
    client.post(reverse("workshop:bots"), {"action": "start", "count": "3", "minutes": "1"})
    response = client.post(reverse("workshop:bots"), {"action": "stop"}, follow=True)
    assert spawned["signalled"] == [(FakeProcess.pid, signal.SIGTERM)]
    assert bots.status() is None
    assert any("The bots have left" in str(m) for m in response.context["messages"])
    assert 'data-testid="bots-start"' in client.get(reverse("workshop:console")).content.decode()


def test_a_finished_run_is_not_shown_as_running(room, client_as, spawned, monkeypatch):
    client_as(room["host"]).post(reverse("workshop:bots"), {"action": "start", "count": "3", "minutes": "1"})
    monkeypatch.setattr(bots, "_is_bots", lambda pid: False)  # the process has exited
    assert bots.status() is None


@pytest.mark.parametrize("count, minutes", [("0", "2"), ("201", "2"), ("5", "31"), ("five", "2"), ("5", "0")])
def test_bad_numbers_start_nothing_and_say_why(room, client_as, spawned, count, minutes):
    response = client_as(room["host"]).post(
        reverse("workshop:bots"), {"action": "start", "count": count, "minutes": minutes}, follow=True
    )
    assert not spawned["started"]
    assert response.context["messages"]


def test_https_is_refused_with_the_command_to_run_instead(room, spawned):
    with pytest.raises(DomainError, match="workshop_bots"):
        bots.start(actor=room["host"], count=3, minutes=1, base_url="https://example.org")
    assert not spawned["started"]


def test_an_attendee_cannot_start_or_stop_bots(room, client_as, emma, spawned):
    for action in ("start", "stop"):
        assert (
            client_as(emma).post(reverse("workshop:bots"), {"action": action, "count": "3"}).status_code
            == 403
        )
    with pytest.raises(NotFound):
        bots.start(actor=emma, count=3, minutes=1, base_url="http://testserver")
    assert not spawned["started"] and not spawned["signalled"]


def test_with_demo_mode_off_the_host_cannot_start_bots(room, client_as, settings, spawned):
    settings.DEMO_MODE = False
    response = client_as(room["host"]).post(reverse("workshop:bots"), {"action": "start", "count": "3"})
    assert response.status_code == 404
    with pytest.raises(NotFound):
        bots.stop(actor=room["host"])
    assert not spawned["started"]


def test_a_run_is_recognised_by_its_command_line_only(monkeypatch):
    import os

    assert not bots._is_bots(os.getpid())  # pytest is not a bots run: never signalled
    assert not bots._is_bots(2**22 + 12345)  # no such process
