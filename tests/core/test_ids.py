"""Ids too large for a database column get 404 in a path and a clear 400 in a query string, never a 500.

The URL list is read from the resolver, so a new URL with an integer id is covered without editing this file.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from apps.core.converters import IdConverter

pytestmark = pytest.mark.django_db

TOO_BIG = [2**63, 2**70]
LARGEST = 2**63 - 1


def _routes(patterns, prefix="", converters=None):
    """Every URL pattern as (full route, {name: converter}), through the includes."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        found = {**(converters or {}), **getattr(pattern.pattern, "converters", {})}
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route, found)
        elif isinstance(pattern, URLPattern):
            yield route, found


PROJECT_ROUTES = [(r, c) for r, c in _routes(get_resolver().url_patterns) if not r.startswith("admin/")]
ID_ROUTES = sorted(
    r for r, c in PROJECT_ROUTES if any(isinstance(v, IdConverter | IntConverter) for v in c.values())
)


def fill(route: str, number: int) -> str:
    """The route with `number` for every integer id and a harmless word for other parameters."""

    def value(match):
        kind = match.group(1)
        return str(number) if kind in {"id", "int"} else {"str": "accept", "slug": "x", "path": "x"}[kind]

    return "/" + re.sub(r"<(\w+):\w+>", value, route)


def test_every_integer_id_in_a_url_uses_the_bounded_converter():
    unbounded = [r for r, c in PROJECT_ROUTES if any(isinstance(v, IntConverter) for v in c.values())]
    assert unbounded == []
    assert len(ID_ROUTES) >= 18  # chats and their pages, wallet records, packets, transfers, requests


@pytest.mark.parametrize("route", ID_ROUTES)
@pytest.mark.parametrize("number", TOO_BIG)
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_id_beyond_64_bits_is_not_found(client, liwei, route, number, method):
    url = fill(route, number)
    assert getattr(client, method)(url).status_code == 404, url
    client.force_login(liwei)
    assert getattr(client, method)(url).status_code == 404, url


@pytest.mark.parametrize("route", ID_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_largest_id_reaches_the_page_and_is_simply_not_there(client, liwei, route, method):
    client.force_login(liwei)
    response = getattr(client, method)(fill(route, LARGEST))
    assert response.status_code in {302, 400, 403, 404, 405}, fill(route, LARGEST)


def test_ids_in_a_query_string_beyond_64_bits_get_a_clear_error(client, liwei):
    client.force_login(liwei)
    url = reverse("wallet:packets_opened")
    for ids in (str(2**63), f"1,{2**70}", "1,x", "-1", "1" * 400, ",".join(["1"] * 201)):
        response = client.get(url, {"ids": ids})
        assert response.status_code == 400 and response.json()["error"] == "That request could not be read."
    ok = client.get(url, {"ids": f"1,2,{LARGEST},"})
    assert ok.status_code == 200 and ok.json() == {"opened": []}


def test_a_history_page_beyond_64_bits_gets_a_clear_error(client, liwei, wangfang):
    from apps.chat import services as chat_services

    chat = chat_services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    chat_services.message_send(sender=liwei, conversation=chat, text="hello")
    client.force_login(liwei)
    url = reverse("chat:messages", args=[chat.pk])
    for query in ({"before": 2**63}, {"after": 2**70}, {"before": "1e3"}):
        response = client.get(url, query)
        assert response.status_code == 400 and response.json()["error"] == "That request could not be read."
    assert [m["text"] for m in client.get(url, {"before": LARGEST}).json()["messages"]] == ["hello"]
    assert client.get(url, {"after": 0}).json()["messages"][0]["text"] == "hello"


@pytest.mark.parametrize("action", ["remove", "admin"])
@pytest.mark.parametrize("user", [str(2**63), str(2**70), "abc"])
def test_a_member_id_beyond_64_bits_in_a_form_gets_a_clear_message(
    client, liwei, wangfang, zhangmin, action, user
):
    from apps.chat import services as chat_services

    group = chat_services.group_create(actor=liwei, member_ids=[wangfang.pk, zhangmin.pk], name="Team")
    client.force_login(liwei)
    response = client.post(
        reverse("chat:info", args=[group.pk]), {"action": action, "user": user, "value": "1"}, follow=True
    )
    assert response.status_code == 200 and "That request could not be read." in response.content.decode()
