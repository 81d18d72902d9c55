from datetime import timedelta

import pytest

from apps.chat import cards, chatlist, invites, selectors, services
from apps.chat.models import Conversation, Membership, Message
from apps.chat.services import conversations
from apps.chat.services.sending import send_message
from apps.core import clock
from apps.core.errors import DomainError, NotFound, RateLimited


@pytest.fixture
def test_card(settings, tmp_path):
    """A tiny card kind that exists only in tests."""
    (tmp_path / "chat_test").mkdir()
    (tmp_path / "chat_test" / "_card.html").write_text(
        '<div class="test-card">{{ payload.note }} · {{ payload.state }}</div>'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    cards.register("test_card", template="chat_test/_card.html", preview=lambda p: f"[Test] {p['note']}")
    yield "test_card"
    cards._cards.pop("test_card", None)


def test_send_assigns_increasing_sequence(direct, liwei, wangfang):
    first = services.message_send(sender=liwei, conversation=direct, text="hi")
    second = services.message_send(sender=wangfang, conversation=direct, text="你好")
    assert (first.seq, second.seq) == (1, 2)
    assert Conversation.objects.get(pk=direct.pk).last_seq == 2


def test_retry_with_same_client_id_returns_same_message(direct, liwei, published_events):
    with published_events() as sent:
        a = services.message_send(sender=liwei, conversation=direct, text="once", client_id="c-1")
        b = services.message_send(sender=liwei, conversation=direct, text="once", client_id="c-1")
    assert a.pk == b.pk and a.seq == b.seq
    assert Message.objects.filter(conversation=direct).count() == 1
    assert [e["type"] for e in sent] == ["chat.message"]


def test_send_publishes_once_to_every_member(group, liwei, published_events):
    with published_events() as sent:
        message = services.message_send(sender=liwei, conversation=group, text="hello team")
    [event] = [e for e in sent if e["type"] == "chat.message"]
    assert len(event["user_ids"]) == 4
    assert event["data"]["message"]["id"] == message.pk and event["data"]["message"]["seq"] == message.seq


def test_non_member_cannot_send(direct, zhangmin):
    with pytest.raises(NotFound):
        services.message_send(sender=zhangmin, conversation=direct, text="let me in")


def test_text_is_limited_to_2000_characters(direct, liwei):
    services.message_send(sender=liwei, conversation=direct, text="x" * 2000)
    with pytest.raises(DomainError):
        services.message_send(sender=liwei, conversation=direct, text="x" * 2001)
    with pytest.raises(DomainError):
        services.message_send(sender=liwei, conversation=direct, text="   ")


def test_direct_chat_needs_friends(liwei, sunli):
    with pytest.raises(DomainError) as exc:
        services.conversation_direct_get_or_create(a=liwei, b=sunli)
    assert exc.value.code == "not_friends"
    conv = services.conversation_direct_get_or_create(a=liwei, b=sunli, allow_strangers=True)
    assert services.message_send(sender=liwei, conversation=conv, text="from a bottle").seq == 1


def test_direct_chat_is_one_per_pair(liwei, wangfang):
    a = services.conversation_direct_get_or_create(a=liwei, b=wangfang)
    b = services.conversation_direct_get_or_create(a=wangfang, b=liwei)
    assert a.pk == b.pk


def test_sending_after_unfriending_is_refused(direct, liwei, wangfang):
    from apps.accounts.models import Friendship

    Friendship.objects.filter(owner=wangfang, friend=liwei).delete()
    with pytest.raises(DomainError) as exc:
        services.message_send(sender=liwei, conversation=direct, text="still there?")
    assert exc.value.code == "not_friends"


def test_send_rate_limit(direct, liwei, window_start):
    for n in range(20):
        services.message_send(sender=liwei, conversation=direct, text=f"{n}")
    with pytest.raises(RateLimited):
        services.message_send(sender=liwei, conversation=direct, text="one too many")
    clock.advance(timedelta(seconds=11))
    services.message_send(sender=liwei, conversation=direct, text="later")


def test_recall_within_two_minutes_and_reedit_within_five(direct, liwei, wangfang, published_events):
    message = services.message_send(sender=liwei, conversation=direct, text="oops")
    with pytest.raises(NotFound):
        services.message_recall(actor=wangfang, message_id=message.pk)
    with published_events() as sent:
        services.message_recall(actor=liwei, message_id=message.pk)
    data = sent[0]["data"]["message"]
    assert sent[0]["type"] == "chat.message_updated" and data["recalled"] and data["text"] == ""
    assert services.message_recalled_text(actor=liwei, message_id=message.pk) == "oops"
    clock.advance(timedelta(minutes=6))
    with pytest.raises(DomainError):
        services.message_recalled_text(actor=liwei, message_id=message.pk)


def test_recall_after_two_minutes_is_refused(direct, liwei):
    message = services.message_send(sender=liwei, conversation=direct, text="too late")
    clock.advance(timedelta(minutes=2, seconds=1))
    with pytest.raises(DomainError) as exc:
        services.message_recall(actor=liwei, message_id=message.pk)
    assert exc.value.code == "too_late"


def test_card_api_posts_renders_once_and_updates(direct, liwei, wangfang, test_card, published_events):
    with published_events() as sent:
        message = services.message_post_card(
            sender=liwei,
            conversation=direct,
            kind=test_card,
            payload={"note": "Best <wishes>", "state": "open"},
            client_id="card-1",
        )
        again = services.message_post_card(
            sender=liwei,
            conversation=direct,
            kind=test_card,
            payload={"note": "Best <wishes>", "state": "open"},
            client_id="card-1",
        )
    assert again.pk == message.pk
    html = sent[0]["data"]["message"]["html"]
    assert "Best &lt;wishes&gt; · open" in html["en"] and set(html) == {"en", "zh-hans"}
    with published_events() as sent:
        services.message_card_update(message=message, payload={"note": "Best <wishes>", "state": "empty"})
    assert sent[-1]["type"] == "chat.message_updated" and sorted(sent[-1]["user_ids"]) == sorted(
        [liwei.pk, wangfang.pk]
    )
    assert "empty" in sent[-1]["data"]["message"]["html"]["en"]
    [row] = chatlist.chat_list(wangfang)
    assert row.preview == "[Test] Best <wishes>"


def test_system_line(group, liwei):
    message = services.message_post_system(conversation=group, text="Workshop starts at 9")
    assert message.kind == Message.SYSTEM and message.sender is None
    assert selectors.message_data(message)["text"] == "Workshop starts at 9"


def test_group_create_add_remove_leave(group, liwei, wangfang, zhangmin, emma):
    assert set(selectors.member_ids(group)) == {
        liwei.pk,
        wangfang.pk,
        zhangmin.pk,
        group.memberships.get(role="member", user__username="chenjing").user_id,
    }
    services.group_add_members(actor=liwei, conversation=group, user_ids=[emma.pk])
    assert emma.pk in selectors.member_ids(group)
    with pytest.raises(DomainError):
        services.group_remove_member(actor=wangfang, conversation=group, user_id=emma.pk)
    services.group_remove_member(actor=liwei, conversation=group, user_id=emma.pk)
    with pytest.raises(NotFound):
        services.message_send(sender=emma, conversation=group, text="still here?")
    services.group_leave(actor=liwei, conversation=group)
    group.refresh_from_db()
    assert group.owner == wangfang
    assert Membership.objects.get(conversation=group, user=wangfang).role == "owner"


def test_removed_member_keeps_history_up_to_removal_only(group, liwei, emma, wangfang):
    services.group_add_members(actor=liwei, conversation=group, user_ids=[emma.pk])
    services.message_send(sender=liwei, conversation=group, text="before")
    services.group_remove_member(actor=liwei, conversation=group, user_id=emma.pk)
    services.message_send(sender=wangfang, conversation=group, text="after")
    membership = Membership.objects.get(conversation=group, user=emma)
    texts = [m.text for m in selectors.history(membership)]
    assert "before" in texts and "after" not in texts


def test_mentions_and_all_only_for_admins(group, liwei, wangfang, zhangmin):
    services.message_send(sender=wangfang, conversation=group, text="@张敏 hi", mentions=[zhangmin.pk])
    rows = {r.conversation_id: r for r in chatlist.chat_list(zhangmin)}
    assert rows[group.pk].mentioned
    assert not {r.conversation_id: r for r in chatlist.chat_list(liwei)}[group.pk].mentioned
    with pytest.raises(DomainError):
        services.message_send(sender=wangfang, conversation=group, text="@all", mentions=["all"])
    services.message_send(sender=liwei, conversation=group, text="@all", mentions=["all"])
    assert {r.conversation_id: r for r in chatlist.chat_list(wangfang)}[group.pk].mentioned


def test_read_updates_unread_and_respects_receipt_setting(direct, liwei, wangfang, published_events):
    services.message_send(sender=liwei, conversation=direct, text="1")
    services.message_send(sender=liwei, conversation=direct, text="2")
    assert selectors.unread_total(wangfang) == 2
    with published_events() as sent:
        services.conversation_read(actor=wangfang, conversation_id=direct.pk, seq=2)
    assert selectors.unread_total(wangfang) == 0
    read = next(e for e in sent if e["type"] == "chat.read")
    assert liwei.pk in read["user_ids"]
    wangfang.send_read_receipts = False
    wangfang.save()
    services.message_send(sender=liwei, conversation=direct, text="3")
    with published_events() as sent:
        services.conversation_read(actor=wangfang, conversation_id=direct.pk, seq=3)
    read = [e for e in sent if e["type"] == "chat.read"][-1]
    assert read["user_ids"] == [wangfang.pk]


def test_muted_chat_not_counted_in_badge(direct, liwei, wangfang):
    services.message_send(sender=liwei, conversation=direct, text="1")
    services.membership_update(actor=wangfang, conversation_id=direct.pk, muted=True)
    assert selectors.unread_total(wangfang) == 0


def test_hide_for_me_forward_search(direct, group, liwei, wangfang):
    m = services.message_send(sender=liwei, conversation=direct, text="secret plan")
    services.message_hide(actor=liwei, message_id=m.pk)
    mine = Membership.objects.get(conversation=direct, user=liwei)
    theirs = Membership.objects.get(conversation=direct, user=wangfang)
    assert m not in selectors.history(mine) and m in selectors.history(theirs)
    assert [x.pk for x in selectors.search(theirs, "PLAN")] == [m.pk]
    [copy] = services.message_forward(actor=wangfang, message_id=m.pk, to=[group.pk])
    assert copy.conversation_id == group.pk and copy.text == "secret plan"


def test_pat_uses_target_suffix(direct, liwei, wangfang):
    services.chat_profile_update(actor=wangfang, pat_suffix="的小脑袋")
    m = services.message_pat(actor=liwei, conversation=direct, target_id=wangfang.pk)
    assert m.payload["suffix"] == "的小脑袋"
    services.message_recall(actor=liwei, message_id=m.pk)


def test_join_by_code_refused_above_200(group, liwei, sunli, django_user_model):
    from apps.chat.models import Membership as M

    extra = [
        django_user_model.objects.create(username=f"u{n}", public_id=f"user{n:04d}", display_name=f"U{n}")
        for n in range(197)
    ]
    M.objects.bulk_create([M(conversation=group, user=u, joined_at=clock.now()) for u in extra])
    token = invites.invite_token(actor=liwei, conversation=group)
    with pytest.raises(DomainError) as exc:
        invites.group_join(actor=sunli, token=token)
    assert exc.value.code == "full"


def test_history_pages_by_cursor(direct, liwei):
    for n in range(120):
        send_message(sender=liwei, conversation=direct, kind="text", text=str(n), rate_limited=False)
    membership = Membership.objects.get(conversation=direct, user=liwei)
    newest = selectors.history(membership)
    assert [m.seq for m in newest] == list(range(71, 121))
    older = selectors.history(membership, before=newest[0].seq)
    assert [m.seq for m in older] == list(range(21, 71))
    assert [m.seq for m in selectors.history(membership, after=118)] == [119, 120]


def test_group_is_capped_at_500_members(group, liwei, monkeypatch):
    monkeypatch.setattr(conversations, "MAX_GROUP_MEMBERS", 5)  # read there, at each join
    from apps.accounts.models import User
    from apps.accounts.selectors import can_message

    others = [u for u in User.objects.exclude(pk__in=selectors.member_ids(group)) if can_message(liwei, u)]
    with pytest.raises(DomainError) as exc:
        services.group_add_members(actor=liwei, conversation=group, user_ids=[u.pk for u in others[:2]])
    assert exc.value.code == "full"


def test_only_owner_names_admins_and_admins_announce(group, liwei, wangfang, zhangmin):
    with pytest.raises(DomainError):
        services.group_set_admin(actor=wangfang, conversation=group, user_id=zhangmin.pk, admin=True)
    services.group_set_admin(actor=liwei, conversation=group, user_id=wangfang.pk, admin=True)
    services.group_set_announcement(actor=wangfang, conversation=group, text="Bring snacks")
    group.refresh_from_db()
    assert group.announcement == "Bring snacks"
    services.message_send(sender=wangfang, conversation=group, text="@all snacks", mentions=["all"])


def test_recalled_message_cannot_be_forwarded_or_quoted(direct, group, liwei):
    message = services.message_send(sender=liwei, conversation=direct, text="gone")
    services.message_recall(actor=liwei, message_id=message.pk)
    with pytest.raises(DomainError):
        services.message_forward(actor=liwei, message_id=message.pk, to=[group.pk])
    quoted = services.message_send(sender=liwei, conversation=direct, text="re", reply_to_id=message.pk)
    assert selectors.message_data(quoted)["reply_to"]["preview"] == "The message was recalled"


def test_chat_list_previews_what_each_person_may_see(group, direct, liwei, wangfang, chenjing):
    services.message_send(sender=wangfang, conversation=group, text="before you go")
    services.group_remove_member(actor=liwei, conversation=group, user_id=chenjing.pk)
    services.message_send(sender=wangfang, conversation=group, text="after you left")
    [row] = [r for r in chatlist.chat_list(chenjing) if r.conversation_id == group.pk]
    assert not row.active and row.unread == 0
    assert "after you left" not in row.preview  # the removal notice is the last thing she saw
    mine = {r.conversation_id: r for r in chatlist.chat_list(wangfang)}
    assert mine[group.pk].preview == "after you left" and mine[group.pk].is_group
    services.message_send(sender=liwei, conversation=direct, text="see you")
    services.conversation_clear(actor=wangfang, conversation_id=direct.pk)
    row = {r.conversation_id: r for r in chatlist.chat_list(wangfang)}[direct.pk]
    assert row.preview == "" and row.title == str(liwei) and row.other.pk == liwei.pk
