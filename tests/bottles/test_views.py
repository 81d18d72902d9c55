"""The beach, the throw page and "My bottles" over HTTP, in both languages; bad input changes nothing."""

import pytest

from apps.bottles import services
from apps.bottles.models import Bottle, Report
from apps.core import discover

pytestmark = pytest.mark.django_db


def test_discover_has_the_drift_bottles_entry(client_as, seasoned):
    assert "bottles" in [e.key for e in discover.entries()]
    assert "/bottles/" in client_as(seasoned["liwei"]).get("/discover/").content.decode()


def test_the_beach_needs_a_login(client):
    assert client.get("/bottles/").status_code == 302


@pytest.mark.parametrize(("lang", "words"), [("en", "Pick one"), ("zh-hans", "捡一个")])
def test_the_beach_in_both_languages(client_as, seasoned, lang, words, settings):
    client = client_as(seasoned["liwei"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    html = client.get("/bottles/").content.decode()
    assert words in html


def test_throw_then_the_beach_says_it_is_drifting(client_as, seasoned):
    client = client_as(seasoned["emma"])
    response = client.post("/bottles/throw/", {"text": "Hi <b>there</b>", "with_city": "1"}, follow=True)
    assert "drifting out to sea" in response.content.decode()
    bottle = Bottle.objects.get()
    assert (bottle.text, bottle.city) == ("Hi <b>there</b>", "Auckland")
    assert "Hi &lt;b&gt;there&lt;/b&gt;" in client.get("/bottles/mine/").content.decode()


def test_a_refused_throw_keeps_the_text_and_says_why(client_as, seasoned):
    response = client_as(seasoned["emma"]).post("/bottles/throw/", {"text": "x" * 201})
    html = response.content.decode()
    assert response.status_code == 200 and "at most 200 characters" in html and "x" * 201 in html
    assert not Bottle.objects.exists()


def test_pick_shows_the_bottle_then_reply_opens_the_chat(client_as, throw, seasoned):
    bottle = throw("emma", "Hello from Auckland!")
    client = client_as(seasoned["tom"])
    beach = client.post("/bottles/pick/", follow=True).content.decode()
    assert "Hello from Auckland!" in beach and 'data-testid="held-bottle"' in beach and "Auckland" in beach
    response = client.post(f"/bottles/{bottle.pk}/reply/", {"text": "Hi Emma"})
    conv = Bottle.objects.get(pk=bottle.pk).conversation
    assert response.status_code == 302 and response["Location"] == f"/chats/{conv.pk}/"
    mine = client_as(seasoned["emma"]).get("/bottles/mine/").content.decode()
    assert "Hi Emma" in mine and f"/chats/{conv.pk}/" in mine


def test_a_starfish_is_shown_kindly(client_as, seasoned, settings):
    settings.BOTTLE_STARFISH_RATE = 1
    html = client_as(seasoned["tom"]).post("/bottles/pick/", follow=True).content.decode()
    assert 'data-testid="starfish"' in html and "starfish" in html


def test_an_empty_sea_says_so(client_as, seasoned):
    html = client_as(seasoned["tom"]).post("/bottles/pick/", follow=True).content.decode()
    assert "no bottle is drifting your way" in html


def test_throw_back_and_report_from_the_beach(client_as, throw, seasoned):
    first, second = throw("emma", "one"), throw("sophie", "two")
    client = client_as(seasoned["tom"])
    client.post("/bottles/pick/")
    held = services.in_hand(seasoned["tom"])
    client.post(f"/bottles/{held.pk}/back/")
    assert services.in_hand(seasoned["tom"]) is None
    client.post("/bottles/pick/")
    other = services.in_hand(seasoned["tom"])
    assert {held.pk, other.pk} == {first.pk, second.pk}
    html = client.post(f"/bottles/{other.pk}/report/", {"reason": "rude"}, follow=True).content.decode()
    assert "hidden from everyone" in html
    assert Report.objects.get().reason == "rude"


def test_someone_elses_bottle_gets_a_clear_answer_and_nothing_changes(client_as, throw, seasoned):
    bottle = throw("emma")
    client = client_as(seasoned["tom"])
    html = client.post(f"/bottles/{bottle.pk}/reply/", {"text": "hi"}, follow=True).content.decode()
    assert "no longer in your hands" in html
    client.post(f"/bottles/{bottle.pk}/report/")
    client.post(f"/bottles/{bottle.pk}/back/")
    assert Bottle.objects.get(pk=bottle.pk).in_sea and not Report.objects.exists()
