"""Posts and comments made straight from the models (lane P's services are on another branch)."""

import itertools

from apps.accounts.models import Block, User
from apps.core import clock
from apps.microblog.models import Comment, Post

_n = itertools.count()


def person(prefix: str = "w") -> User:
    i = next(_n)
    return User.objects.create(
        username=f"{prefix}{i}",
        public_id=f"{prefix}{i}pid",
        display_name=f"{prefix.title()} {i}",
        password="!",
    )


def post(author: User, text: str = "A post") -> Post:
    return Post.objects.create(author=author, text=text, created_at=clock.now())


def comment(
    post: Post, author: User, text: str = "A comment", reply_to: Comment | None = None, **fields
) -> Comment:
    """A comment row as comment_create would leave it (counts included), without its side effects."""
    from django.db.models import F

    floor_id = (reply_to.floor_id or reply_to.pk) if reply_to else None
    c = Comment.objects.create(
        post=post,
        author=author,
        text=text,
        floor_id=floor_id,
        reply_to=reply_to,
        created_at=clock.now(),
        **fields,
    )
    Post.objects.filter(pk=post.pk).update(comments=F("comments") + 1)
    if floor_id:
        Comment.objects.filter(pk=floor_id).update(replies_count=F("replies_count") + 1)
    return c


def block(blocker: User, blocked: User) -> Block:
    return Block.objects.create(blocker=blocker, blocked=blocked, created_at=clock.now())
