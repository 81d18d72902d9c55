"""A post's counts reach every tab showing it (its live page `weibo.post.<id>`), not only its author's."""

import json

import pytest
from channels.db import database_sync_to_async

from apps.core import realtime
from apps.microblog.services import comments, likes, posts
from tests.core.test_realtime import open_tab, receive

pytestmark = pytest.mark.django_db(transaction=True)


async def send(tab, type, data, ref):
    await tab.send_to(text_data=json.dumps({"type": type, "ref": ref, "data": data}))


async def answer(tab, ref):
    """The ack or error for request `ref` (events that arrive meanwhile are skipped)."""
    while True:
        frame = await receive(tab)
        if frame.get("ref") == ref and frame["type"] in ("ack", "error"):
            return frame


async def live_counts(tab):
    """The next `weibo.counts` event pushed to the tab (not an answer to a request of its own)."""
    while True:
        frame = await receive(tab)
        if frame["type"] == "weibo.counts":
            return frame["data"]


async def no_counts(tab):
    """True if no `weibo.counts` event arrives in a moment (other events, e.g. presence, may)."""
    while not await tab.receive_nothing(timeout=0.4):
        if (await receive(tab))["type"] == "weibo.counts":
            return False
    return True


async def viewing(user, *post_ids):
    tab, _, _ = await open_tab(user)
    await receive(tab)  # hello
    if post_ids:
        await send(tab, "join", {"pages": [f"weibo.post.{i}" for i in post_ids]}, "j")
        assert (await answer(tab, "j"))["type"] == "ack"
    return tab


async def test_a_like_reaches_a_reader_viewing_the_post_and_not_one_who_is_not(
    liwei, wangfang, zhangmin, sophie
):
    post = await database_sync_to_async(posts.post_create)(actor=wangfang, text="watched")
    other = await database_sync_to_async(posts.post_create)(actor=wangfang, text="elsewhere")
    reader = await viewing(zhangmin, post.pk)  # not the author, nor a reposter, nor the liker
    elsewhere = await viewing(sophie, other.pk)
    await database_sync_to_async(likes.post_like)(actor=liwei, post_id=post.pk)
    assert await live_counts(reader) == {"post_id": post.pk, "reposts": 0, "comments": 0, "likes": 1}
    assert await no_counts(elsewhere)
    await reader.disconnect()
    await elsewhere.disconnect()


async def test_comments_and_reposts_reach_the_embedded_original_too(liwei, wangfang, zhangmin):
    original = await database_sync_to_async(posts.post_create)(actor=wangfang, text="原文")
    # A repost card on zhangmin's screen shows the original embedded: the tab follows both posts.
    repost = await database_sync_to_async(posts.post_repost)(actor=liwei, post=original, comment="看")
    reader = await viewing(zhangmin, repost.pk, original.pk)
    await database_sync_to_async(comments.comment_create)(actor=liwei, post_id=original.pk, text="好")
    assert await live_counts(reader) == {"post_id": original.pk, "reposts": 1, "comments": 1, "likes": 0}
    await reader.disconnect()


async def test_leaving_a_post_stops_its_counts(liwei, wangfang, zhangmin):
    post = await database_sync_to_async(posts.post_create)(actor=wangfang, text="scrolled past")
    reader = await viewing(zhangmin, post.pk)
    await send(reader, "leave", {"pages": [f"weibo.post.{post.pk}"]}, "l")
    assert (await answer(reader, "l"))["type"] == "ack"
    await database_sync_to_async(likes.post_like)(actor=liwei, post_id=post.pk)
    assert await no_counts(reader)
    await reader.disconnect()


async def test_a_tab_catches_up_on_counts_it_joined_late(liwei, wangfang, zhangmin):
    """Counts changed between rendering and joining are asked for once, by the ids shown (deleted ones omitted)."""
    post = await database_sync_to_async(posts.post_create)(actor=wangfang, text="a")
    gone = await database_sync_to_async(posts.post_create)(actor=wangfang, text="b")
    await database_sync_to_async(likes.post_like)(actor=liwei, post_id=post.pk)
    await database_sync_to_async(posts.post_delete)(actor=wangfang, post_id=gone.pk)
    reader = await viewing(zhangmin, post.pk)
    await send(reader, "weibo.counts", {"posts": [post.pk, str(gone.pk)]}, "c")
    got = await answer(reader, "c")
    assert got["data"]["counts"] == [{"post_id": post.pk, "reposts": 0, "comments": 0, "likes": 1}]
    await reader.disconnect()


@pytest.mark.parametrize("posts_asked", [None, "1", ["x"], list(range(1, 202))])
async def test_a_bad_catch_up_request_gets_a_clear_error(zhangmin, posts_asked):
    reader = await viewing(zhangmin)
    await send(reader, "weibo.counts", {"posts": posts_asked}, "c")
    got = await answer(reader, "c")
    assert got["type"] == "error" and got["data"]["code"] in ("malformed", "not_found")
    await reader.disconnect()


async def test_a_tab_follows_a_bounded_number_of_posts(zhangmin):
    reader = await viewing(zhangmin)
    first = [f"weibo.post.{i}" for i in range(1, realtime.MAX_PAGES_PER_TAB + 1)]
    await send(reader, "join", {"pages": first}, "a")
    assert (await answer(reader, "a"))["type"] == "ack"
    await send(reader, "join", {"page": "weibo.post.999999"}, "b")
    refused = await answer(reader, "b")
    assert refused["type"] == "error" and refused["data"]["code"] == "too_many"
    # Leaving some makes room again.
    await send(reader, "leave", {"pages": first[:10]}, "c")
    await answer(reader, "c")
    await send(reader, "join", {"page": "weibo.post.999999"}, "d")
    assert (await answer(reader, "d"))["type"] == "ack"
    await reader.disconnect()
