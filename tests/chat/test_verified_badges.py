"""Weibo's V in chats: a 1:1 chat's row on the Chats tab and its thread header, a group's member lists."""

from django.urls import reverse

from apps.accounts import services as accounts
from apps.chat import chatlist, services
from apps.chat.templatetags.chat import chat_rows

ORG_V = '<span class="v-badge v-org" role="img" aria-label="Verified organisation" title="Verified organisation">V</span>'
PERSON_V = (
    '<span class="v-badge v-person" role="img" aria-label="Verified person" title="Verified person">V</span>'
)


def _verify(person, kind: str):
    person.verified = kind
    person.save(update_fields=["verified"])


def _get(client, name, *args) -> str:
    return client.get(reverse(name, args=args)).content.decode()


def test_a_one_to_one_chats_row_shows_the_persons_v_after_the_title(client_as, direct, liwei, wangfang):
    services.message_send(sender=wangfang, conversation=direct, text="hi")
    client = client_as(liwei)
    unverified = _get(client, "chat:list")
    assert "v-badge" not in unverified
    _verify(wangfang, "organisation")
    accounts.remark_set(owner=liwei, friend=wangfang, remark="Fang <from work>")
    html = _get(client, "chat:list")
    assert f'<span class="chat-title">Fang &lt;from work&gt;</span>{ORG_V}<time' in html
    # nothing else in the row changes: the page is the same but for the badge and the remark
    assert html.replace(ORG_V, "").replace("Fang &lt;from work&gt;", wangfang.display_name) == unverified
    client.cookies["django_language"] = "zh-hans"
    liwei.language = "zh-hans"
    liwei.save(update_fields=["language"])
    assert 'aria-label="机构认证"' in _get(client, "chat:list")


def test_a_group_row_has_no_v_even_when_its_people_have_one(group, liwei, wangfang):
    _verify(wangfang, "person")
    [row] = [r for r in chatlist.chat_list(liwei) if r.conversation_id == group.pk]
    assert [f.verified for f in row.faces if f.pk == wangfang.pk] == ["person"]
    assert "v-badge" not in chat_rows([row])


def test_the_thread_header_shows_the_other_persons_v(client_as, direct, liwei, wangfang):
    client = client_as(liwei)
    assert "v-badge" not in _get(client, "chat:thread", direct.pk)
    _verify(wangfang, "person")
    html = _get(client, "chat:thread", direct.pk)
    assert f"<span data-chat-title>{wangfang.display_name}</span>{PERSON_V}" in html


def test_a_groups_member_lists_show_each_verified_members_v(client_as, group, liwei, wangfang, zhangmin):
    client = client_as(liwei)
    assert "v-badge" not in _get(client, "chat:info", group.pk)
    _verify(wangfang, "organisation")
    html = _get(client, "chat:info", group.pk)
    assert html.count(ORG_V) == 2  # the avatar grid and the list of all members
    assert f"<span>{wangfang.display_name}{ORG_V}</span>" in html
    assert "v-person" not in html  # Zhang Min and the others are not verified
    assert "v-badge" not in _get(client, "chat:thread", group.pk).split("<main", 1)[0]
