"""The Chats tab's page: what its rows and shell show, as built by the list's own SQL and tags."""

import pytest
from django.templatetags.static import static
from django.test import override_settings
from django.urls import reverse, set_script_prefix
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from apps.accounts import services as accounts
from apps.accounts.models import FriendRequest
from apps.chat import chatlist, services
from apps.chat.models import ChatProfile
from apps.chat.templatetags.chat import chat_rows
from apps.core.templatetags.ui import asset_url, avatar, badge, page_url


def _list(client):
    return client.get(reverse("chat:list")).content.decode()


def test_people_are_named_by_the_viewers_own_remark(client_as, group, direct, liwei, wangfang, zhangmin):
    """A remark names its person in the owner's list only: the 1:1 chat's title and a group sender's preview."""
    accounts.remark_set(owner=liwei, friend=wangfang, remark="Fang <from work>")
    accounts.remark_set(owner=zhangmin, friend=wangfang, remark="Neighbour Fang")
    services.message_send(sender=wangfang, conversation=direct, text="hi Wei")
    services.message_send(sender=wangfang, conversation=group, text="hi all")

    rows = {row.conversation_id: row for row in chatlist.chat_list(liwei)}
    assert rows[direct.pk].title == "Fang <from work>"
    assert rows[group.pk].preview == "Fang <from work>: hi all"
    [row] = [r for r in chatlist.chat_list(zhangmin) if r.conversation_id == group.pk]
    assert row.preview == "Neighbour Fang: hi all"
    html = _list(client_as(zhangmin))
    assert "Neighbour Fang: hi all" in html and "from work" not in html
    html = _list(client_as(liwei))
    assert "Fang &lt;from work&gt;: hi all" in html and "Neighbour" not in html


def test_muted_rows_show_a_dot_and_the_count_in_the_viewers_language(client_as, direct, liwei, wangfang):
    services.membership_update(actor=liwei, conversation_id=direct.pk, muted=True)
    for text in ("one", "two <b>"):
        services.message_send(sender=wangfang, conversation=direct, text=text)
    client = client_as(liwei)
    html = _list(client)
    assert '<span class="dot" aria-label="Unread"></span>' in html
    assert '<span class="chat-preview">[2 messages] two &lt;b&gt;</span>' in html
    assert 'aria-label="Muted"' in html
    liwei.language = "zh-hans"
    liwei.save(update_fields=["language"])
    client.cookies["django_language"] = "zh-hans"
    html = _list(client)
    assert '<span class="dot" aria-label="未读"></span>' in html and 'aria-label="已免打扰"' in html


def test_a_group_name_with_markup_is_escaped_in_its_avatar(liwei, wangfang, zhangmin):
    conv = services.group_create(actor=liwei, member_ids=[wangfang.pk, zhangmin.pk], name='<img src=x>"')
    [row] = [r for r in chatlist.chat_list(liwei) if r.conversation_id == conv.pk]
    html = chat_rows([row])
    assert 'aria-label="&lt;img src=x&gt;&quot;"' in html and "<img src=x>" not in html


def test_the_contacts_badge_counts_pending_requests_to_the_viewer_only(client_as, liwei, sophie):
    """The sample data has two requests waiting for Li Wei; one declined, one sent by him: neither counts."""
    client = client_as(liwei)
    assert 'data-badge="contacts">2<' in _list(client)
    tom_asks = FriendRequest.objects.get(to_user=liwei, from_user__username="tom")
    accounts.friend_request_decline(actor=liwei, request_id=tom_asks.pk)
    FriendRequest.objects.create(from_user=liwei, to_user=sophie, created_at=tom_asks.created_at)
    assert 'data-badge="contacts">1<' in _list(client)


def test_asset_urls_follow_the_static_settings():
    assert asset_url("img/icons.svg") == static("img/icons.svg")
    with override_settings(STATIC_URL="/cdn/"):
        assert asset_url("img/icons.svg") == "/cdn/img/icons.svg"
    assert asset_url("img/icons.svg") == static("img/icons.svg")


def test_page_urls_follow_the_script_prefix_and_the_urlconf():
    assert page_url("chat:list") == reverse("chat:list") == "/"
    set_script_prefix("/app/")
    try:
        assert page_url("chat:list") == "/app/"
    finally:
        set_script_prefix("/")
    with override_settings(ROOT_URLCONF="tests.chat.urls_prefixed"):
        assert page_url("chat:list") == "/p/"
    assert page_url("chat:list") == "/"


@pytest.mark.parametrize(
    "name,tab", [("chat:list", "chats"), ("accounts:contacts", "contacts"), ("accounts:me", "me")]
)
def test_the_tab_bar_marks_the_pages_own_tab(client_as, liwei, name, tab):
    html = client_as(liwei).get(reverse(name)).content.decode()
    start = html.index('<nav class="tabbar"')
    nav = html[start : html.index("</nav>", start)]
    assert nav.count('aria-current="page"') == 1
    assert f'href="{reverse(name)}" aria-current="page"' in nav and f'data-badge="{tab}"' in nav


class _Person:
    def __init__(self, username, display_name, avatar=""):
        self.username, self.display_name, self.avatar = username, display_name, avatar

    def __str__(self):
        return self.display_name or self.username

    initials = property(lambda self: (self.display_name or self.username)[:2])
    avatar_colour = property(lambda self: len(self.username) % 8)


class _Picture(str):
    url = property(lambda self: f"/media/{self}?a=1&b=2")


def _avatar_as_format_html_built_it(user, size=44, label=""):
    alt = label or str(user)
    if getattr(user, "avatar", None):
        return format_html(
            '<img class="avatar avatar-{}" src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
            size, user.avatar.url, alt, size, size,
        )  # fmt: skip
    return format_html(
        '<span class="avatar avatar-{} avatar-c{}" role="img" aria-label="{}">{}</span>',
        size, user.avatar_colour, alt, user.initials,
    )  # fmt: skip


@pytest.mark.parametrize(
    "person,size,label",
    [
        (_Person("ann", '<Ann & "Bo">'), 44, ""),
        (_Person("ann", ""), "20", "O'Brien <x>"),
        (_Person("li", "李<伟>", _Picture("a b.png")), 64, ""),
        (_Person("li", "Li"), 44, mark_safe("<b>kept</b>")),
        (_Person("li", "Li"), 44, gettext_lazy("Unread")),
    ],
)
def test_avatar_html_is_what_format_html_gave(person, size, label):
    assert avatar(person, size, label) == _avatar_as_format_html_built_it(person, size, label)


@pytest.mark.parametrize("count,label", [(0, "chats"), (7, "contacts"), (120, 'x"<y>')])
def test_badge_html_is_what_format_html_gave(count, label):
    text = "99+" if count and count > 99 else (count or "")
    expected = format_html(
        '<span class="badge" data-badge="{}"{}>{}</span>', label, "" if count else " hidden", text
    )
    assert badge(count, label) == expected


def test_recalls_and_pats_are_previewed_for_each_viewer(group, direct, liwei, wangfang, zhangmin):
    """The list reads a recall as a flag and a pat's names from its payload, each for the person reading."""
    accounts.remark_set(owner=liwei, friend=wangfang, remark="Fang")
    message = services.message_send(sender=wangfang, conversation=group, text="oops")
    services.message_recall(actor=wangfang, message_id=message.pk)
    services.message_pat(actor=liwei, conversation=direct, target_id=wangfang.pk)

    def preview(user, conv):
        return {r.conversation_id: r for r in chatlist.chat_list(user)}[conv.pk].preview

    assert preview(liwei, group) == "Fang recalled a message"
    assert preview(zhangmin, group) == f"{wangfang} recalled a message"
    assert preview(wangfang, group) == "You recalled a message"
    suffix = ChatProfile.objects.filter(user=wangfang).values_list("pat_suffix", flat=True).first() or ""
    assert preview(liwei, direct) == f"You patted {wangfang}{suffix}"
    assert preview(wangfang, direct) == f"{liwei} patted you{suffix}"
