"""What the live "N new posts" pills of a topic's and a person's pages need beyond their first page: the new
posts a tap loads, the next page a scroll loads, and whose posts a reader's pill does not count."""

from apps.accounts.models import Block, User
from apps.microblog.models import Topic
from apps.microblog.selectors import timelines
from apps.microblog.selectors.topics import TopicPage, topic_page, topic_post_ids


def hidden_authors(viewer: User) -> list[int]:
    """The people whose posts (and reposts of whose posts) `viewer`'s timelines hide: those they blocked. A
    page's announcements go to all its tabs alike, so each tab leaves these out of its count."""
    return sorted(Block.objects.filter(blocker=viewer).values_list("blocked_id", flat=True))


def as_feed(page: TopicPage, *, newest_first: bool) -> timelines.Page:
    """A topic page's posts as a timeline page (`_feed_page.html`); only a newest-first one has a newest post
    for the pill to count from (hot is ranked by engagement)."""
    newest = page.posts[0].pk if newest_first and page.posts else None
    return timelines.Page(page.posts, page.next_cursor, newest)


def topic_newest(
    topic: Topic, viewer: User, *, before: int | None = None, after: int | None = None
) -> timelines.Page:
    """The topic's posts newest first, for its newest view: the page from `before` (scrolling down), or the
    posts newer than `after` that the pill loads (at most timelines.NEWER_MAX, as on the timelines)."""
    if after is None:
        return as_feed(topic_page(topic, viewer, sort="new", before=before), newest_first=True)
    ids, _next = topic_post_ids(topic, viewer, sort="new", size=timelines.NEWER_MAX)
    # The pinned post shows above the tabs, never in the list (a card twice would repeat its element ids).
    newer = [pk for pk in ids if pk > after and pk != topic.pinned_post_id]
    posts = timelines.posts_with_ids(viewer, newer) if newer else []
    return timelines.Page(posts, None, posts[0].pk if posts else after)
