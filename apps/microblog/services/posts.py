"""Posting on Weibo: a post with its images, topics and mentions in one transaction; reposts; deletion.

A post is read on the timelines of its author's fans by a query (fan-out on read, see
docs/performance.md): posting writes one row per post, however many fans the author has, and the live
"N new posts" hint is one `weibo.post` event to the fans and topic followers, and one to each live page of a
timeline showing it (the square, the author's page, its topics' pages), once it commits; deleting the post
takes the hint back the same way.
"""

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from PIL import Image

from apps.accounts.models import Block, User
from apps.core import clock, images, ratelimit, realtime
from apps.core.errors import DomainError, NotFound, RateLimited
from apps.core.events import publish, publish_to_page
from apps.microblog import text as weibo_text
from apps.microblog.models import (
    MAX_IMAGES,
    MAX_TEXT,
    Follow,
    Mention,
    Post,
    PostImage,
    PostTopic,
    Topic,
    TopicFollow,
)
from apps.microblog.selectors.mentions import people_named
from apps.microblog.services.notifications import notify
from apps.microblog.services.topic_activity import activity_record, topics_touch

POST_LIMIT = 10  # posts (and reposts) per person per window
POST_WINDOW = 60
FULL_SIDE = 1600
THUMB_SIDE = 480
CHAIN_SEPARATOR = "//"


def _check_rate(actor: User) -> ratelimit.Verdict:
    verdict = ratelimit.hit(f"weibo:post:{actor.pk}", limit=POST_LIMIT, window=POST_WINDOW)
    if not verdict.allowed:
        raise RateLimited(
            _("You can post 10 times a minute. Please wait %(n)s s.") % {"n": verdict.retry_after},
            retry_after=verdict.retry_after,
        )
    return verdict


def _check_text(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise DomainError(
            _("A post can be at most %(max)s characters (this one has %(n)s).")
            % {"max": MAX_TEXT, "n": len(text)},
            code="too_long",
        )
    return text


def _processed(uploads) -> list[tuple]:
    """Every upload checked and re-encoded before anything is stored: one bad image refuses them all."""
    processed = []
    for number, upload in enumerate(uploads, start=1):
        try:
            full = images.process_image(upload, max_side=FULL_SIDE)
            thumb = images.process_image(upload, max_side=THUMB_SIDE)
        except images.ImageRejected as exc:
            raise images.ImageRejected(
                _("Picture %(n)s: %(reason)s") % {"n": number, "reason": exc.message}
            ) from exc
        with Image.open(full) as im:
            width, height = im.size
        full.seek(0)
        processed.append((full, thumb, width, height))
    return processed


def _save_topics(post: Post, text: str, now, *, also_active: list[Topic] = ()) -> list[Topic]:
    """The post carries the topics of `text` (each counted by `topics_touch`); `also_active` (a repost's
    original's topics) count one more discussion and activity too, as hot search counts reposts."""
    topics = topics_touch(person=post.author, text=text, at=now)
    if topics:
        PostTopic.objects.bulk_create([PostTopic(post=post, topic=t) for t in topics])
    activity_record([t for t in also_active if t not in topics], person=post.author, at=now)
    return topics


def _save_mentions(post: Post, text: str, notify_names: list[str]) -> None:
    """Mention rows for the names in `text` who are somebody and haven't blocked the author (they link);
    of those, the people in `notify_names` are told."""
    people = people_named(weibo_text.mentions_in(text))
    if not people:
        return
    ids = {p.pk for p in people.values()}
    blockers = set(
        Block.objects.filter(blocker_id__in=ids, blocked=post.author).values_list("blocker_id", flat=True)
    )
    linked = {p.pk: p for p in people.values() if p.pk not in blockers}
    Mention.objects.bulk_create([Mention(post=post, person=p) for p in linked.values()])
    told = {people[n].pk for n in notify_names if n in people} & linked.keys()
    if told:
        notify(recipients=sorted(told), actor=post.author, kind="mention", post=post)


def _audience(post: Post, topics: list[Topic]) -> tuple[set[int], list[str]]:
    """Whose pills count `post`: the people whose Home shows it (the author's fans and the topics' followers, not
    anyone who blocked the author, not the author), and the live pages of the timelines it is on: the square,
    the author's page (a repost is on the reposter's) and each of `topics`' pages (topics_touch gives each topic
    once, however often the text spells it; a repost is filed under its own comment's topics, not its
    original's)."""
    fans = Follow.objects.filter(followee=post.author_id).values_list("fan_id", flat=True)
    followers = (
        TopicFollow.objects.filter(topic__in=topics).values_list("person_id", flat=True) if topics else []
    )
    blockers = Block.objects.filter(blocked=post.author_id).values_list("blocker_id", flat=True)
    people = (set(fans) | set(followers)) - set(blockers) - {post.author_id}
    pages = [
        SQUARE_PAGE,
        realtime.object_page(PERSON_PAGE, post.author_id),
        *(realtime.object_page(TOPIC_PAGE, topic.pk) for topic in topics),
    ]
    return people, pages


def _tell(post: Post, topics: list[Topic], type: str, data: dict) -> None:
    """`type` to the audience of `post`: one send to the people's tabs, one per live page (however many watch
    it). A page's event names its page: a tab showing a topic also hears its Home's events, and counts only its
    page's."""
    people, pages = _audience(post, topics)
    publish(user_ids=people, type=type, data=data)
    for page in pages:
        publish_to_page(page=page, type=type, data={**data, "page": page})


def _announce(post: Post, topics: list[Topic]) -> None:
    """`weibo.post` once the post commits: the "N new posts" pills of every timeline that shows it. It names the
    author and the original's author, whom a reader's blocks hide (a page's pill is the same for all its tabs)."""
    origin_author = post.origin.author_id if post.origin_id else None
    event = {"id": post.pk, "author_id": post.author_id, "origin_author_id": origin_author}
    _tell(post, topics, "weibo.post", event)


def _retract(post: Post) -> None:
    """`weibo.post_deleted` to the same pills: one that counted the post and has not loaded it counts it no more."""
    _tell(post, list(Topic.objects.filter(posttopic__post=post)), "weibo.post_deleted", {"id": post.pk})


def _store(post: Post, processed: list[tuple]) -> list[str]:
    stored = []
    rows = []
    for position, (full, thumb, width, height) in enumerate(processed):
        full_name = default_storage.save(f"weibo/{full.name}", full)
        stored.append(full_name)
        thumb_name = default_storage.save(f"weibo/t_{thumb.name}", thumb)
        stored.append(thumb_name)
        rows.append(
            PostImage(
                post=post,
                position=position,
                image=full_name,
                thumbnail=thumb_name,
                width=width,
                height=height,
            )
        )
    PostImage.objects.bulk_create(rows)
    return stored


def post_create(*, actor: User, text: str, uploads=()) -> Post:
    """Post `text` (up to 2,000 characters) with up to 9 pictures; all of it is saved, or none of it."""
    text = _check_text(text.strip())
    uploads = list(uploads)
    if len(uploads) > MAX_IMAGES:
        raise DomainError(_("You can add at most 9 pictures to a post."), code="too_many_images")
    if not text and not uploads:
        raise DomainError(_("Write something or add a picture."), code="empty")
    verdict = _check_rate(actor)
    try:
        processed = _processed(uploads)
    except DomainError:
        ratelimit.release(verdict)  # nothing was posted: the attempt doesn't count
        raise
    stored: list[str] = []
    try:
        with transaction.atomic():
            now = clock.now()
            post = Post.objects.create(author=actor, text=text, created_at=now)
            stored = _store(post, processed)
            topics = _save_topics(post, text, now)
            _save_mentions(post, text, weibo_text.mentions_in(text))
            _announce(post, topics)
    except Exception:
        for name in stored:  # the rows are gone with the transaction; so go their files
            default_storage.delete(name)
        raise
    return post


SQUARE_PAGE = "weibo.square"  # live page of the tabs showing the public square
POST_PAGE = "weibo.post"  # live page per post: `weibo.post.<id>`, joined by the tabs showing that post
TOPIC_PAGE = "weibo.topic"  # live page per topic: `weibo.topic.<id>`, joined by the tabs showing its posts
PERSON_PAGE = "weibo.person"  # live page per person: `weibo.person.<id>`, joined by the tabs showing them


def publish_counts(post_ids) -> None:
    """Send `weibo.counts` {post_id, reposts, comments, likes} for these posts, read after this transaction's
    updates, once it commits, to every tab showing them (the post's live page, joined by its cards, its page and
    the reposts that embed it). The one sender of it: one group send per post, however many fans it has."""
    for post in Post.objects.filter(pk__in=list(post_ids)).values("pk", "reposts", "comments", "likes"):
        data = {
            "post_id": post["pk"],
            "reposts": post["reposts"],
            "comments": post["comments"],
            "likes": post["likes"],
        }
        publish_to_page(page=realtime.object_page(POST_PAGE, post["pk"]), type="weibo.counts", data=data)


def chain_text(comment: str, parent: Post) -> str:
    """Weibo's repost text: my comment, then `//@B: B's text` when B's post was itself a repost."""
    if parent.origin_id is None:
        return comment
    return f"{comment}{CHAIN_SEPARATOR}@{parent.author.public_id}: {parent.text}"


def post_repost(*, actor: User, post: Post, comment: str = "") -> Post:
    """Repost `post` with a comment; reposting a repost embeds (and credits) the original."""
    comment = _check_text(comment.strip())
    verdict = _check_rate(actor)
    with transaction.atomic():
        # Read afresh: the page the reposter saw may be older than a deletion.
        post = (
            Post.objects.select_related("author", "origin")
            .filter(pk=post.pk, deleted_at__isnull=True)
            .first()
        )
        if post is None:
            ratelimit.release(verdict)
            raise DomainError(_("This post has been deleted."), code="deleted")
        origin = post.origin if post.origin_id else post
        if Block.objects.filter(blocker_id__in={post.author_id, origin.author_id}, blocked=actor).exists():
            ratelimit.release(verdict)
            raise DomainError(_("You can't repost this post."), code="blocked")
        now = clock.now()
        # A long chain loses its oldest links (its tail), as on Weibo.
        text = chain_text(comment, post)[:MAX_TEXT]
        repost = Post.objects.create(author=actor, text=text, repost_of=post, origin=origin, created_at=now)
        # Reposting a post with #a topic# is activity on that topic (hot search counts reposts).
        origin_topics = list(Topic.objects.filter(posttopic__post=origin))
        topics = _save_topics(repost, comment, now, also_active=origin_topics)
        _save_mentions(repost, text, weibo_text.mentions_in(comment))
        credited = sorted({origin.pk, post.pk})
        Post.objects.filter(pk__in=credited).update(reposts=F("reposts") + 1)
        notify(recipients=sorted({origin.author_id, post.author_id}), actor=actor, kind="repost", post=repost)
        _announce(repost, topics)
        publish_counts(credited)
    return repost


def post_delete(*, actor: User, post_id: int) -> Post:
    """Delete one's own post: it leaves the timelines, and every repost of it says it has been deleted."""
    with transaction.atomic():
        post = post_take_down(post_id=post_id, author=actor)
        if post is None:
            raise NotFound(_("That post doesn't exist or isn't yours."))
    return post


@transaction.atomic
def post_take_down(*, post_id: int, author: User | None = None) -> Post | None:
    """Delete a post for everyone (its author, or a moderator upholding a report): it keeps its row, so chains
    say "This post has been deleted"; open pills stop counting it; the posts it reposted lose its repost.
    None if there is no such post (of `author`, when given) still up."""
    mine = {"author": author} if author is not None else {}
    post = Post.objects.select_for_update().filter(pk=post_id, deleted_at__isnull=True, **mine).first()
    if post is None:
        return None
    post.deleted_at = clock.now()
    post.save(update_fields=["deleted_at"])
    _retract(post)
    credited = {pk for pk in (post.origin_id, post.repost_of_id) if pk}
    if credited:
        Post.objects.filter(pk__in=credited, reposts__gt=0).update(reposts=F("reposts") - 1)
        publish_counts(sorted(credited))
    return post
