"""Unread counts stay right live: the recipient's open tabs count their badges when a notification arrives."""

import pytest
from channels.db import database_sync_to_async

from apps.microblog.services import likes, notifications, posts
from tests.core.test_realtime import receive
from tests.microblog.test_live_counts import answer, send, viewing

pytestmark = pytest.mark.django_db(transaction=True)


async def next_of(tab, kind):
    while True:
        frame = await receive(tab)
        if frame["type"] == kind:
            return frame["data"]


async def test_a_like_updates_the_authors_discover_tab_and_weibo_entry_live(liwei, wangfang):
    post = await database_sync_to_async(posts.post_create)(actor=wangfang, text="like me")
    tab = await viewing(wangfang)
    await database_sync_to_async(likes.post_like)(actor=liwei, post_id=post.pk)
    assert await next_of(tab, "weibo.notification") == {"kind": "like"}
    counts = await next_of(tab, "badges")
    assert (counts["discover"], counts["weibo"]) == (1, 1)
    # The open notifications list asks for its counts by kind.
    await send(tab, "weibo.unread", {}, "u")
    assert (await answer(tab, "u"))["data"]["counts"]["like"] == 1
    await database_sync_to_async(notifications.notifications_read)(actor=wangfang, kind="like")
    counts = await next_of(tab, "badges")
    assert (counts["discover"], counts["weibo"]) == (0, 0)
    await tab.disconnect()


async def test_only_the_recipients_tabs_count(liwei, wangfang, zhangmin):
    post = await database_sync_to_async(posts.post_create)(actor=wangfang, text="like me")
    bystander = await viewing(zhangmin)
    await database_sync_to_async(likes.post_like)(actor=liwei, post_id=post.pk)
    while not await bystander.receive_nothing(timeout=0.4):
        assert (await receive(bystander))["type"] not in ("badges", "weibo.notification")
    await bystander.disconnect()
