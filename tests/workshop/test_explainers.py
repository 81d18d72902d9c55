""" "About this feature" on every feature page, in both languages; the console shows one full-screen."""

import pytest
from django.urls import reverse

from apps.core import explainers
from apps.nearby import services as nearby

PAGES = {
    "chat": "chat:list",
    "weibo": "microblog:home",
    "bottles": "bottles:beach",
    "nearby": "nearby:location",
    "shake": "nearby:shake",
    "wallet": "wallet:home",
    "scan": "core:scan",
    "checkin": "checkin:mine",
}


def test_every_feature_has_an_explainer_whose_facts_name_their_article():
    assert [e.key for e in explainers.every()] == [
        "chat",
        "weibo",
        "bottles",
        "nearby",
        "shake",
        "wallet",
        "scan",
        "checkin",
    ]
    for explainer in explainers.every():
        assert explainer.facts
        for fact in explainer.facts:
            assert fact.source in explainers.SOURCES


@pytest.mark.parametrize(("key", "url_name"), PAGES.items())
def test_each_feature_page_has_its_card_in_english_and_chinese(key, url_name, emma, client_as):
    if key == "shake":  # (Shake is for people visible in People Nearby)
        nearby.location_set(user=emma, lat=31.23, lon=121.47, period="1h")
    client = client_as(emma)
    html = client.get(reverse(url_name)).content.decode()
    assert f'data-explainer="{key}"' in html and "About this feature" in html
    assert str(explainers.get(key).facts[0].text) in html.replace("&#x27;", "'").replace("&quot;", '"')
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse(url_name)).content.decode()
    assert "关于这个功能" in html


def test_the_figures_are_the_articles_own():
    chat = " ".join(str(f.text) for f in explainers.get("chat").facts)
    assert "549m active users in China and 180m users outside of China" in chat
    assert "1999" in chat


def test_the_host_shows_an_explainer_full_screen(host, client_as, demo):
    html = client_as(host).get("/workshop/explain/shake/").content.decode()
    assert "Shake (WeChat)" in html and "especially popular with students" in html
    assert client_as(host).get("/workshop/explain/nothing/").status_code == 404
    console = client_as(host).get("/workshop/").content.decode()
    assert 'href="/workshop/explain/wallet/"' in console
    assert ">Drift bottles</a>" in console  # the feature's name on its button, the card's title on hover


def test_an_attendee_cannot_open_the_full_screen_explainer(host, emma, client_as, demo):
    assert client_as(emma).get("/workshop/explain/shake/").status_code == 403
