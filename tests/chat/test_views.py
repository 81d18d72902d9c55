"""Chat pages: each answers only members (the same 404 for strangers and for missing chats)."""

from io import BytesIO

import pytest
from django.urls import reverse
from PIL import Image

from apps.chat import chatlist, invites, selectors, services
from apps.chat.models import Membership, Message
from apps.chat.services.sending import send_message
from apps.core import clock


def png(size=(64, 48)) -> BytesIO:
    buffer = BytesIO()
    Image.new("RGB", size, (7, 193, 96)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "photo.png"
    return buffer


MEMBER_PAGES = [
    ("chat:thread", "get"),
    ("chat:messages", "get"),
    ("chat:info", "get"),
    ("chat:search", "get"),
    ("chat:add_members", "get"),
    ("chat:invite", "get"),
    ("chat:image", "post"),
    ("chat:info", "post"),
]


@pytest.mark.parametrize("name,method", MEMBER_PAGES)
def test_strangers_get_the_same_404_as_for_a_missing_chat(client_as, group, sunli, name, method):
    client = client_as(sunli)
    for pk in (group.pk, 999999):
        response = getattr(client, method)(
            reverse(name, args=[pk]), {"action": "mute", "value": "1"} if method == "post" else {}
        )
        assert response.status_code == 404, (name, pk)


def test_invite_qr_needs_membership(client_as, group, sunli, liwei):
    url = reverse("chat:invite_qr", args=[group.pk, "svg"])
    assert client_as(sunli).get(url).status_code == 404
    response = client_as(liwei).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"


@pytest.mark.parametrize("name", ["chat:list", "chat:new_group", "chat:groups", "chat:settings"])
def test_pages_need_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login" in response.url


def test_chat_list_shows_preview_unread_and_mention_marker(client_as, group, liwei, zhangmin):
    services.message_send(sender=liwei, conversation=group, text="@张敏 please check", mentions=[zhangmin.pk])
    html = client_as(zhangmin).get(reverse("chat:list")).content.decode()
    assert "[@me]" in html and "please check" in html and "Team" in html


def test_chat_list_query_count_is_bounded(
    client_as, liwei, wangfang, zhangmin, chenjing, emma, james, django_assert_max_num_queries
):
    for friend in (wangfang, zhangmin, chenjing, emma, james):
        conv = services.conversation_direct_get_or_create(a=liwei, b=friend)
        for n in range(3):
            send_message(sender=friend, conversation=conv, kind="text", text=f"hi {n}", rate_limited=False)
    services.group_create(actor=liwei, member_ids=[wangfang.pk, zhangmin.pk], name="G1")
    client = client_as(liwei)
    client.get(reverse("chat:list"))
    with django_assert_max_num_queries(4):  # the person, the chats, their faces, the other tabs' badges
        response = client.get(reverse("chat:list"))
    assert response.content.decode().count('class="chat-row"') == 6


def test_thread_opens_newest_50_with_bounded_queries(
    client_as, group, liwei, wangfang, django_assert_max_num_queries
):
    now = clock.now()
    group.refresh_from_db()
    Message.objects.bulk_create(
        [
            Message(conversation=group, seq=group.last_seq + n, sender=wangfang, text=f"m{n}", created_at=now)
            for n in range(1, 301)
        ]
    )
    group.last_seq += 300
    group.save()
    client = client_as(liwei)
    client.get(reverse("chat:thread", args=[group.pk]))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("chat:thread", args=[group.pk]))
    state = response.context["chat_state"]
    assert len(state["messages"]) == 50 and state["messages"][-1]["seq"] == group.last_seq
    older = client.get(
        reverse("chat:messages", args=[group.pk]), {"before": state["messages"][0]["seq"]}
    ).json()
    assert len(older["messages"]) == 50 and older["messages"][-1]["seq"] == state["messages"][0]["seq"] - 1


def test_messages_endpoint_rejects_bad_cursor(client_as, direct, liwei):
    assert (
        client_as(liwei).get(reverse("chat:messages", args=[direct.pk]), {"before": "x"}).status_code == 400
    )


def test_image_message_is_reencoded_with_thumbnail(client_as, direct, liwei):
    client = client_as(liwei)
    response = client.post(
        reverse("chat:image", args=[direct.pk]), {"image": png((1200, 900)), "client_id": "img-1"}
    )
    assert response.status_code == 200
    message = Message.objects.get(pk=response.json()["id"])
    assert (
        message.kind == "image" and message.payload["thumb"].endswith(".jpg") and message.payload["w"] == 360
    )
    again = client.post(reverse("chat:image", args=[direct.pk]), {"image": png(), "client_id": "img-1"})
    assert again.json()["id"] == message.pk


def test_image_that_is_not_an_image_is_refused(client_as, direct, liwei):
    bogus = BytesIO(b"not an image at all")
    bogus.name = "x.png"
    response = client_as(liwei).post(reverse("chat:image", args=[direct.pk]), {"image": bogus})
    assert response.status_code == 400 and "image" in response.json()["error"]


def test_send_message_from_profile_opens_the_direct_chat(client_as, liwei, wangfang, sunli):
    client = client_as(liwei)
    response = client.get(reverse("chat:direct", args=[wangfang.public_id]))
    conv = services.conversation_direct_get_or_create(a=liwei, b=wangfang)  # the one it opened
    assert response.status_code == 302 and response.url == reverse("chat:thread", args=[conv.pk])
    # Not friends: back to the profile with a message.
    response = client.get(reverse("chat:direct", args=[sunli.public_id]))
    assert response.status_code == 302 and sunli.public_id in response.url
    profile = client.get(reverse("accounts:profile", args=[wangfang.public_id])).content.decode()
    assert reverse("chat:direct", args=[wangfang.public_id]) in profile


def test_create_group_from_friends(client_as, liwei, wangfang, zhangmin, sunli):
    client = client_as(liwei)
    response = client.post(
        reverse("chat:new_group"), {"name": "Lunch", "members": [wangfang.pk, zhangmin.pk]}
    )
    conv = Membership.objects.filter(user=liwei, conversation__name="Lunch").get().conversation
    assert response.url == reverse("chat:thread", args=[conv.pk])
    # A non-friend is not a choice.
    response = client.post(reverse("chat:new_group"), {"members": [wangfang.pk, sunli.pk]})
    assert response.status_code == 200 and not Membership.objects.filter(user=sunli).exists()


def test_info_actions_and_admin_only_announcement(client_as, group, liwei, wangfang):
    client = client_as(wangfang)
    client.post(reverse("chat:info", args=[group.pk]), {"action": "announce", "announcement": "Hi all"})
    group.refresh_from_db()
    assert group.announcement == ""
    client = client_as(liwei)
    client.post(reverse("chat:info", args=[group.pk]), {"action": "announce", "announcement": "Meet at 9"})
    client.post(reverse("chat:info", args=[group.pk]), {"action": "pin", "value": "1"})
    group.refresh_from_db()
    assert group.announcement == "Meet at 9"
    assert Membership.objects.get(conversation=group, user=liwei).pinned
    html = client.get(reverse("chat:thread", args=[group.pk])).content.decode()
    assert "Meet at 9" in html


def test_join_by_qr_code_page(client_as, group, liwei, sunli):
    token = invites.invite_token(actor=liwei, conversation=group)
    client = client_as(sunli)
    url = reverse("chat:join", args=[token])
    assert "Team" in client.get(url).content.decode()
    response = client.post(url)
    assert response.url == reverse("chat:thread", args=[group.pk])
    assert client.get(reverse("chat:join", args=["garbage"])).status_code == 400


def test_invite_page_shows_expiry_date(client_as, group, liwei, clock_at):
    clock_at("2026-12-05T23:30:00Z")  # 07:30 on the 6th in Shanghai: the page shows China's date
    html = client_as(liwei).get(reverse("chat:invite", args=[group.pk])).content.decode()
    assert "2026-12-13" in html


def test_user_text_is_escaped_in_pages(client_as, group, liwei, wangfang):
    services.message_send(sender=wangfang, conversation=group, text="<script>alert(1)</script>")
    client = client_as(liwei)
    for name in ("chat:list", "chat:thread"):
        args = [] if name == "chat:list" else [group.pk]
        html = client.get(reverse(name, args=args)).content.decode()
        assert "<script>alert(1)</script>" not in html


def test_chat_images_open_only_for_members(client, direct, liwei, wangfang, emma):
    client.force_login(liwei)
    sent = client.post(reverse("chat:image", args=[direct.pk]), {"image": png(), "client_id": "img-2"}).json()
    message = Message.objects.get(pk=sent["id"])
    for url in (message.payload["full"], message.payload["thumb"]):
        client.force_login(wangfang)
        member = client.get(url)
        assert member.status_code == 200 and member["Cache-Control"].startswith("private")
        client.force_login(emma)  # a friend of liwei's, but not in this chat
        assert client.get(url).status_code == 404
        client.logout()
        assert client.get(url).status_code == 404


def _send_photo(client, conversation, client_id="img-r") -> Message:
    sent = client.post(
        reverse("chat:image", args=[conversation.pk]), {"image": png(), "client_id": client_id}
    )
    return Message.objects.get(pk=sent.json()["id"])


def _stored(message: Message) -> list[bool]:
    from django.core.files.storage import default_storage

    return [default_storage.exists(selectors.media_name(message.payload[k])) for k in ("full", "thumb")]


def test_recalled_photo_is_refused_even_while_its_file_exists(client, direct, liwei, wangfang):
    client.force_login(liwei)
    message = _send_photo(client, direct)
    services.message_recall(actor=liwei, message_id=message.pk)  # its files go only after the commit
    assert _stored(message) == [True, True]
    client.force_login(wangfang)
    for url in (message.payload["full"], message.payload["thumb"]):
        assert client.get(url).status_code == 404


def test_recalling_a_photo_removes_its_files_after_the_commit(
    client, direct, liwei, django_capture_on_commit_callbacks
):
    client.force_login(liwei)
    message = _send_photo(client, direct)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_recall(actor=liwei, message_id=message.pk)
    assert _stored(message) == [False, False]


def test_a_forwarded_photo_outlives_the_recalled_original(
    client, direct, group, liwei, wangfang, zhangmin, django_capture_on_commit_callbacks
):
    client.force_login(liwei)
    message = _send_photo(client, direct)
    services.message_forward(actor=liwei, message_id=message.pk, to=[group.pk])
    with django_capture_on_commit_callbacks(execute=True):
        services.message_recall(actor=liwei, message_id=message.pk)
    assert _stored(message) == [True, True]
    client.force_login(zhangmin)  # in the group only, where the forwarded copy still shows it
    assert client.get(message.payload["full"]).status_code == 200


def test_chat_list_reads_a_fixed_number_of_queries_with_30_chats(
    client_as, liwei, django_user_model, django_assert_max_num_queries
):
    """Thirty chats (1:1s and groups, with messages and unread counts) cost no more queries than one."""
    from apps.accounts.models import Friendship

    pals = django_user_model.objects.bulk_create(
        [
            django_user_model(username=f"pal{n}", public_id=f"pal_{n:03d}", display_name=f"Pal {n}")
            for n in range(60)
        ]
    )
    Friendship.objects.bulk_create(
        [
            Friendship(owner=a, friend=b, created_at=clock.now())
            for p in pals
            for a, b in ((liwei, p), (p, liwei))
        ]
    )
    for g in range(15):
        members = pals[g * 3 : g * 3 + 3]
        conv = services.group_create(actor=liwei, member_ids=[p.pk for p in members], name=f"Group {g}")
        services.message_send(sender=members[0], conversation=conv, text=f"hello {g}")
    for p in pals[45:]:
        conv = services.conversation_direct_get_or_create(a=liwei, b=p)
        services.message_send(sender=p, conversation=conv, text="hi")
    services.membership_update(actor=liwei, conversation_id=conv.pk, muted=True)  # not in the tab's count
    client = client_as(liwei)
    rows = chatlist.chat_list(liwei)
    assert len(rows) == 30
    with django_assert_max_num_queries(
        5
    ):  # session, user, chats with remarks, faces with remarks, friend requests
        html = client.get(reverse("chat:list")).content.decode()
    assert html.count('class="chat-row"') == len(rows)
    assert "Pal 59" in html and "Group 14" in html and "hello 14" in html
    assert f'data-badge="chats">{selectors.unread_total(liwei)}<' in html
