"""A post's counts as its cards show them (reposts, comments, likes): the catch-up for live counts."""

from apps.microblog.models import Post

MAX_POSTS = 200  # as many as one tab may follow live (apps.core.realtime.MAX_PAGES_PER_TAB)


def post_counts(post_ids: list[int]) -> list[dict]:
    """{post_id, reposts, comments, likes} of these posts that are not deleted: one query.

    Counts are public (every card shows them), so they are not filtered by the reader."""
    rows = Post.objects.filter(pk__in=post_ids[:MAX_POSTS], deleted_at__isnull=True).values(
        "pk", "reposts", "comments", "likes"
    )
    return [
        {"post_id": r["pk"], "reposts": r["reposts"], "comments": r["comments"], "likes": r["likes"]}
        for r in rows.order_by("pk")
    ]
