"""Joining the workshop by the console's code: a name and in (quick account, the host's friend, in the group,
funded), the code closed or renewed, the limits, and who may change the code."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.selectors import are_friends
from apps.chat.models import Membership
from apps.chat.seed import seed as chat_seed
from apps.core import tokens
from apps.wallet.selectors import balance_of
from apps.workshop import joining
from apps.workshop import seed as workshop_seed
from apps.workshop.models import Attendee


@pytest.fixture
def room(cast, demo):
    """make demo's sample chats (the Workshop 2026 group) and James as the host."""
    chat_seed()
    workshop_seed.seed()
    host = cast["james"]
    return {"host": host, "group": joining.workshop_group(host)}


def join_url() -> str:
    return reverse("workshop:join", args=[joining.token_for(joining.join_code())])


def test_a_name_and_you_are_in_the_group_chat_logged_in(room, client):
    url = join_url()
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "  Ada   Lovelace "})
    assert response.status_code == 302
    assert response.url == reverse("chat:thread", args=[room["group"].pk])
    user = User.objects.get(display_name="Ada Lovelace")
    assert client.session[SESSION_KEY] == str(user.pk)  # logged in at once
    assert not user.has_usable_password() and not user.email
    assert are_friends(user, room["host"]) and are_friends(room["host"], user)
    assert Membership.objects.filter(conversation=room["group"], user=user, active=True).exists()
    assert balance_of(user) == joining.STARTING_BALANCE
    assert client.get(response.url).status_code == 200  # the group chat opens for them


def test_joining_computes_no_password_hash(room, client, monkeypatch):
    from django.contrib.auth import hashers

    def refuse(*args, **kwargs):
        raise AssertionError("a join must not hash a password")

    monkeypatch.setattr(hashers, "make_password", refuse)
    monkeypatch.setattr(User, "set_password", refuse)
    monkeypatch.setattr(User, "check_password", refuse)
    assert client.post(join_url(), {"name": "Grace"}).status_code == 302


def test_the_money_comes_from_the_demo_bank_in_the_ledger(room, client):
    from apps.wallet.ledger import audit
    from apps.wallet.models import Entry

    client.post(join_url(), {"name": "Grace"})
    user = User.objects.get(display_name="Grace")
    entry = Entry.objects.get(account__owner=user)
    assert entry.amount == joining.STARTING_BALANCE
    assert entry.transaction.entries.get(account__kind="bank").amount == -joining.STARTING_BALANCE
    assert audit() == []


def test_a_join_takes_a_bounded_number_of_queries(room, client, django_assert_max_num_queries):
    url = join_url()
    client.post(url, {"name": "warm up"})  # the bank account, the code row
    client.logout()
    with django_assert_max_num_queries(110):  # about half savepoints; none per member
        assert client.post(url, {"name": "Counted"}).status_code == 302


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Type the name the room will see."),
        ("   \n\t ", "Type the name the room will see."),
        ("x" * (joining.NAME_MAX + 1), f"A name can be at most {joining.NAME_MAX} characters."),
    ],
)
def test_a_bad_name_is_said_and_nothing_is_made(room, client, name, message):
    response = client.post(join_url(), {"name": name})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Attendee.objects.exists() and SESSION_KEY not in client.session


def test_the_bad_name_message_in_chinese(room, client):
    response = client.post(join_url(), {"name": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "输入" in response.content.decode()


def test_a_name_is_escaped_and_control_characters_dropped(room, client):
    client.post(join_url(), {"name": "<b>Bob</b>\x00\u200b"})
    user = User.objects.get(pk=Attendee.objects.get().user_id)
    assert user.display_name == "<b>Bob</b>"
    page = client.get(reverse("chat:thread", args=[room["group"].pk])).content.decode()
    assert "<b>Bob</b>" not in page and "&lt;b&gt;Bob&lt;/b&gt;" in page


def test_a_chinese_name_counts_characters(room, client):
    assert client.post(join_url(), {"name": "王" * joining.NAME_MAX}).status_code == 302


def test_a_closed_code_gets_a_clear_page_and_no_account(room, client, client_as):
    url = join_url()
    joining.code_change(actor=room["host"], action="close")
    for response in (client.get(url), client.post(url, {"name": "Late"})):
        assert response.status_code == 410
        assert "Joining is closed for now" in response.content.decode()
    assert not Attendee.objects.exists()
    joining.code_change(actor=room["host"], action="open")
    assert client.post(url, {"name": "Late"}).status_code == 302


def test_a_renewed_code_turns_the_old_one_away(room, client):
    old = join_url()
    joining.code_change(actor=room["host"], action="renew")
    response = client.post(old, {"name": "Old photo"})
    assert response.status_code == 410
    assert "replaced by a new one" in response.content.decode()
    assert client.post(join_url(), {"name": "New code"}).status_code == 302
    assert Attendee.objects.count() == 1


def test_a_forged_or_foreign_token_is_not_a_code(room, client):
    foreign = tokens.sign("chat.invite", {"v": 1})
    for token in ("nonsense", foreign):
        response = client.post(reverse("workshop:join", args=[token]), {"name": "Eve"})
        assert response.status_code == 404
    assert not Attendee.objects.exists()


def test_joins_are_rate_limited_per_address(room, client, settings, window_start):
    settings.WORKSHOP_JOIN_LIMIT_PER_ADDRESS = (2, 3600)
    url = join_url()
    for n in range(2):
        client.logout()
        assert client.post(url, {"name": f"P{n}"}).status_code == 302
    client.logout()
    response = client.post(url, {"name": "Third"})
    assert response.status_code == 429
    assert Attendee.objects.count() == 2
    client.logout()  # another address is not held back
    assert client.post(url, {"name": "Elsewhere"}, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_someone_logged_in_just_joins_once(room, client_as, emma):
    client = client_as(emma)
    url = join_url()
    page = client.get(url).content.decode()
    assert "You're logged in as" in page
    for _ in range(2):
        assert client.post(url).status_code == 302
    assert not Attendee.objects.exists()  # no quick account: emma joined as herself
    assert Membership.objects.filter(conversation=room["group"], user=emma, active=True).count() == 1
    assert balance_of(emma) == joining.STARTING_BALANCE
    assert are_friends(emma, room["host"])


def test_a_second_scan_by_an_attendee_changes_nothing(room, client):
    url = join_url()
    client.post(url, {"name": "Ada"})
    user = User.objects.get(display_name="Ada")
    client.post(url)
    assert balance_of(user) == joining.STARTING_BALANCE
    assert User.objects.filter(display_name="Ada").count() == 1


def test_with_demo_mode_off_the_code_is_not_found(room, client, settings):
    url = join_url()
    settings.DEMO_MODE = False
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Ada"}).status_code == 404
    assert not Attendee.objects.exists()


# --- The code's controls -------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["close", "renew"])
def test_an_attendee_cannot_close_or_renew_the_code(room, client, action):
    client.post(join_url(), {"name": "Mallory"})
    before = joining.join_code()
    assert client.post(reverse("workshop:join_code"), {"action": action}).status_code == 403
    after = joining.join_code()
    assert (after.version, after.is_open) == (before.version, before.is_open)


def test_the_service_refuses_a_non_host(room, emma):
    from apps.core.errors import NotFound

    with pytest.raises(NotFound):
        joining.code_change(actor=emma, action="close")
    assert joining.join_code().is_open


def test_the_host_closes_and_renews_from_the_console(room, client_as):
    client = client_as(room["host"])
    client.post(reverse("workshop:join_code"), {"action": "close"})
    page = client.get("/workshop/").content.decode()
    assert not joining.join_code().is_open and "Joining is closed" in page
    client.post(reverse("workshop:join_code"), {"action": "renew"})
    code = joining.join_code()
    assert code.is_open and code.version == 2


def test_the_console_shows_the_code_and_the_count(room, client_as, client):
    client.post(join_url(), {"name": "Ada"})
    console = client_as(room["host"])
    page = console.get("/workshop/").content.decode()
    assert reverse("workshop:join_qr") in page and 'data-testid="join-count">1<' in page
    image = console.get(reverse("workshop:join_qr"))
    assert image["Content-Type"] == "image/svg+xml" and b"<svg" in image.content


def test_the_joins_source_reports_each_join_to_the_console(room, client):
    from apps.core import activity

    source = next(s for s in activity.sources() if s.key == "workshop.joins")
    start = source.since(None)
    client.post(join_url(), {"name": "Ada"})
    batch = source.since(start.cursor)
    assert batch.added == 1 and "Ada joined the workshop" in batch.lines[0]["text"]["en"]
    assert source.count() == 1


# --- Keeping the account -------------------------------------------------------------------------------


def test_an_attendee_keeps_the_account_with_a_password(room, client):
    client.post(join_url(), {"name": "Ada"})
    user = User.objects.get(display_name="Ada")
    response = client.post(
        reverse("workshop:keep"), {"new_password1": "kept-Pass-9753", "new_password2": "kept-Pass-9753"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("kept-Pass-9753")
    assert client.get(reverse("accounts:me")).status_code == 200  # still logged in


def test_someone_with_a_password_is_sent_to_change_it(room, client_as, emma):
    response = client_as(emma).get(reverse("workshop:keep"))
    assert response.status_code == 302 and response.url == reverse("accounts:password_change")


def test_the_console_says_when_phones_cannot_reach_its_address(room, client_as, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "192.168.1.20", "testserver"]
    console = client_as(room["host"])
    assert (
        'data-testid="join-loopback"'
        in console.get("/workshop/", HTTP_HOST="127.0.0.1:8000").content.decode()
    )
    page = console.get("/workshop/", HTTP_HOST="192.168.1.20:8000").content.decode()
    assert 'data-testid="join-loopback"' not in page and "http://192.168.1.20:8000/workshop/join/" in page
