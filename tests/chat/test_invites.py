"""Group invites: QR token, join code, reset and its permission, expired and tampered codes."""

from datetime import timedelta

import pytest

from apps.chat import invites, selectors, services
from apps.chat.models import Conversation
from apps.core import clock, tokens
from apps.core.errors import DomainError, NotFound, RateLimited

ADDRESS = "203.0.113.7"


def test_qr_token_joins_the_group(group, liwei, sunli):
    token = invites.invite_token(actor=liwei, conversation=group)
    invites.group_join(actor=sunli, token=token)
    assert sunli.pk in selectors.member_ids(group)


def test_expired_qr_token_is_refused_with_a_clear_message(group, liwei, sunli):
    token = invites.invite_token(actor=liwei, conversation=group)
    with clock.travel(timedelta(days=7, minutes=1)), pytest.raises(tokens.InvalidToken) as exc:
        invites.group_join(actor=sunli, token=token)
    assert "expired" in str(exc.value.message)
    assert sunli.pk not in selectors.member_ids(group)


def test_tampered_qr_token_is_refused(group, liwei, sunli):
    token = invites.invite_token(actor=liwei, conversation=group)
    with pytest.raises(tokens.InvalidToken) as exc:
        invites.group_join(actor=sunli, token=token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert str(exc.value.message) == "This code is not valid."
    assert sunli.pk not in selectors.member_ids(group)


def test_only_members_get_an_invite(group, sunli):
    with pytest.raises(NotFound):
        invites.invite_token(actor=sunli, conversation=group)
    with pytest.raises(NotFound):
        invites.join_code_for(actor=sunli, conversation=group)


def test_invite_of_someone_who_left_is_refused(group, wangfang, sunli):
    token = invites.invite_token(actor=wangfang, conversation=group)
    services.group_leave(actor=wangfang, conversation=group)
    with pytest.raises(tokens.InvalidToken) as exc:
        invites.invite_read(token)
    assert "left the group" in str(exc.value.message)


# --- Join code ---------------------------------------------------------------------------------------------


def test_join_code_is_short_unambiguous_and_stable_while_shown(group, liwei, wangfang):
    code, expires = invites.join_code_for(actor=liwei, conversation=group)
    assert len(code) == 8 and set(code) <= set(invites.JOIN_CODE_ALPHABET)
    assert not set(code) & set("01OIL")
    assert timedelta(days=7) - timedelta(seconds=5) < expires - clock.now() <= timedelta(days=7)
    again, _e = invites.join_code_for(actor=wangfang, conversation=group)
    assert again == code


def test_join_code_typed_loosely_finds_the_group_and_joins(group, liwei, sunli):
    code, _e = invites.join_code_for(actor=liwei, conversation=group)
    typed = f" {code[:4].lower()}-{code[4:]} "
    invite = invites.join_code_read(typed, address=ADDRESS)
    assert invite.conversation == group and invite.inviter == liwei  # the owner speaks for the group
    invites.group_join(actor=sunli, token=invite.token)
    assert sunli.pk in selectors.member_ids(group)


def test_join_code_speaks_for_the_group_after_its_owner_left(group, liwei, zhangmin):
    code, _e = invites.join_code_for(actor=liwei, conversation=group)
    services.group_leave(actor=liwei, conversation=group)
    invite = invites.join_code_read(code, address=ADDRESS)
    assert invite.inviter != liwei and invite.inviter.pk in selectors.member_ids(group)


def test_expired_join_code_is_refused_and_a_new_one_issued(group, liwei, sunli):
    code, _e = invites.join_code_for(actor=liwei, conversation=group)
    with clock.travel(timedelta(days=7, seconds=1)):
        with pytest.raises(DomainError) as exc:
            invites.join_code_read(code, address=ADDRESS)
        assert exc.value.code == "expired_code"
        assert "expired" in str(exc.value.message)
        fresh, _e = invites.join_code_for(actor=liwei, conversation=group)
    assert fresh != code


@pytest.mark.parametrize(
    ("typed", "reason"), [("ABC", "bad_code"), ("ABCD10OI", "bad_code"), ("", "bad_code")]
)
def test_malformed_join_code_says_what_a_code_looks_like(db, typed, reason):
    with pytest.raises(DomainError) as exc:
        invites.join_code_read(typed, address=ADDRESS)
    assert exc.value.code == reason and "8 letters and digits" in str(exc.value.message)


def test_unknown_join_code_is_refused(group, liwei):
    invites.join_code_for(actor=liwei, conversation=group)
    with pytest.raises(DomainError) as exc:
        invites.join_code_read("ZZZZ2222", address=ADDRESS)
    assert exc.value.code == "unknown_code"


def test_guessing_join_codes_is_rate_limited_per_address(group, liwei, window_start):
    code, _e = invites.join_code_for(actor=liwei, conversation=group)
    for _n in range(invites.CODE_TRIES):
        with pytest.raises(DomainError):
            invites.join_code_read("ZZZZ2222", address=ADDRESS)
    with pytest.raises(RateLimited):
        invites.join_code_read(code, address=ADDRESS)  # even the right code waits now
    assert invites.join_code_read(code, address="198.51.100.1").conversation == group


def test_right_codes_do_not_use_up_the_tries(group, liwei, window_start):
    code, _e = invites.join_code_for(actor=liwei, conversation=group)
    for _n in range(invites.CODE_TRIES + 2):
        invites.join_code_read(code, address=ADDRESS)


# --- Reset -------------------------------------------------------------------------------------------------


def test_reset_refuses_old_qr_codes_and_the_old_join_code(group, liwei, sunli):
    old_token = invites.invite_token(actor=liwei, conversation=group)
    old_code, _e = invites.join_code_for(actor=liwei, conversation=group)
    invites.invite_reset(actor=liwei, conversation=group)

    with pytest.raises(tokens.InvalidToken) as exc:
        invites.group_join(actor=sunli, token=old_token)
    assert exc.value.code == "reset_token" and "has been reset" in str(exc.value.message)
    with pytest.raises(DomainError) as exc:
        invites.join_code_read(old_code, address=ADDRESS)
    assert exc.value.code == "unknown_code"
    assert sunli.pk not in selectors.member_ids(group)

    new_code, _e = invites.join_code_for(actor=liwei, conversation=group)
    assert new_code != old_code
    invites.group_join(actor=sunli, token=invites.invite_token(actor=liwei, conversation=group))
    assert sunli.pk in selectors.member_ids(group)


def test_an_ordinary_member_may_not_reset(group, wangfang):
    before = Conversation.objects.get(pk=group.pk).invite_version
    with pytest.raises(DomainError) as exc:
        invites.invite_reset(actor=wangfang, conversation=group)
    assert exc.value.code == "forbidden"
    assert Conversation.objects.get(pk=group.pk).invite_version == before


def test_an_admin_may_reset(group, liwei, wangfang):
    services.group_set_admin(actor=liwei, conversation=group, user_id=wangfang.pk, admin=True)
    before = Conversation.objects.get(pk=group.pk).invite_version
    invites.invite_reset(actor=wangfang, conversation=group)
    assert Conversation.objects.get(pk=group.pk).invite_version == before + 1


def test_a_stranger_may_not_reset(group, sunli):
    with pytest.raises(NotFound):
        invites.invite_reset(actor=sunli, conversation=group)


# --- A choice made before logging in -----------------------------------------------------------------------


def test_pending_invite_is_taken_once_and_only_for_its_own_token(group, liwei):
    token = invites.invite_token(actor=liwei, conversation=group)
    session: dict = {}
    invites.pending_remember(session, token)
    assert not invites.pending_take(session, "something-else")
    assert invites.pending_take(session, token)
    assert not invites.pending_take(session, token)
    assert not invites.pending_take({}, token)


def test_a_refused_invite_is_not_remembered(group, liwei):
    token = invites.invite_token(actor=liwei, conversation=group)
    invites.invite_reset(actor=liwei, conversation=group)
    session: dict = {}
    with pytest.raises(tokens.InvalidToken):
        invites.pending_remember(session, token)
    assert session == {}
