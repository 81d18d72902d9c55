"""Workshop mode is reachable only in DEMO_MODE, and then only by demo hosts (staff or the hosts' group)."""

import pytest
from django.urls import NoReverseMatch, URLPattern, reverse

from apps.workshop import access
from apps.workshop import urls as workshop_urls


def every_workshop_url() -> list[str]:
    """Every URL the app declares (ids filled in with 1), so a page added later is covered here too."""
    found = []
    for pattern in workshop_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        kwargs = {name: 1 for name in pattern.pattern.regex.groupindex}
        for value in ("1", "abc"):  # a str/slug converter refuses nothing; an int one takes "1"
            try:
                found.append(reverse(f"workshop:{pattern.name}", kwargs={k: value for k in kwargs}))
                break
            except NoReverseMatch:
                continue
    return found


URLS = every_workshop_url()


def test_the_console_is_mounted_at_workshop():
    assert reverse("workshop:console") == "/workshop/"


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_with_demo_mode_off_every_workshop_url_is_not_found_even_for_the_host(
    url, method, host, client_as, settings
):
    settings.DEMO_MODE = False
    assert getattr(client_as(host), method)(url).status_code == 404


@pytest.mark.parametrize("url", URLS)
def test_with_demo_mode_off_staff_get_not_found_too(url, cast, client_as, settings):
    from apps.accounts.models import User

    settings.DEMO_MODE = False
    assert client_as(User.objects.get(username="moderator")).get(url).status_code == 404


def test_the_host_reaches_the_console_in_demo_mode(host, client_as, demo):
    assert client_as(host).get("/workshop/").status_code == 200


def test_staff_reach_the_console_in_demo_mode(cast, client_as, demo):
    from apps.accounts.models import User

    assert client_as(User.objects.get(username="moderator")).get("/workshop/").status_code == 200


@pytest.mark.parametrize("url", [u for u in URLS if u.startswith("/workshop/") and "join" not in u])
def test_an_attendee_is_refused_every_host_page(url, host, emma, client_as, demo):
    response = client_as(emma).get(url)
    assert response.status_code in (403, 404)
    assert client_as(emma).post(url).status_code in (403, 404)


def test_an_attendee_gets_forbidden_on_the_console(host, emma, client_as, demo):
    assert client_as(emma).get("/workshop/").status_code == 403


def test_nobody_logged_in_is_sent_to_log_in(client, demo):
    response = client.get("/workshop/")
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_a_deactivated_host_is_no_host(host, db):
    host.is_active = False
    assert not access.is_host(host)


def test_seeding_twice_keeps_one_host_group_and_james_in_it(host):
    from apps.workshop import seed

    seed.seed()
    assert list(access.hosts()) == [host]
