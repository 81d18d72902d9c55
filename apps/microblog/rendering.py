"""A post's text as HTML through the one parser: topics link to their page, mentions to the people the post
links (its Mention rows: nobody who blocked the author), links open safely, the rest is escaped.

`decorate` also gives each card its links. A timeline page has ~200 of them: each URL pattern is reversed
once a page and filled in per post, topic or person (reverse() was a fifth of a page's time).
"""

from urllib.parse import quote

from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString

from apps.microblog import text as weibo_text

_MARK = 7919  # an id no pattern contains, swapped for each post's own
_TEXT_MARK = "Weibo0Mark"  # likewise for a topic's name or a public ID
_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted in a path


def _by_id(name: str):
    pattern = reverse(name, args=[_MARK])
    head, tail = pattern.rsplit(str(_MARK), 1)
    return lambda pk: f"{head}{pk}{tail}"


def _by_text(name: str):
    """reverse(name, args=[value]) for any value its converter takes, quoted as reverse() quotes it."""
    pattern = reverse(name, args=[_TEXT_MARK])
    head, tail = pattern.rsplit(_TEXT_MARK, 1)
    return lambda value: f"{head}{quote(value, safe=_PATH_SAFE)}{tail}"


class _Links:
    """The URLs of one page's cards, each pattern reversed once."""

    def __init__(self):
        self.post = _by_id("microblog:post")
        self.repost = _by_id("microblog:repost")
        self.like = _by_id("microblog:post_like")
        self.unlike = _by_id("microblog:post_unlike")
        self.topic = _by_text("microblog:topic")
        self._person = _by_text("microblog:person")

    def person(self, person) -> str:
        return self._person(person.public_id)

    def mentioned_in(self, post):
        people = {}
        for person in getattr(post, "mentioned", ()):
            people.setdefault(person.username.casefold(), person)
        for person in getattr(post, "mentioned", ()):
            people[person.public_id.casefold()] = person  # a public ID wins over a username, as when saved

        def url_of(name: str) -> str | None:
            person = people.get(name.casefold())
            return self.person(person) if person is not None else None

        return url_of


def post_html(post, *, full: bool = False, links: _Links | None = None) -> tuple[SafeString, bool]:
    """(HTML of the post's text, whether it was cut at 140 characters for a timeline)."""
    links = links or _Links()
    tokens = weibo_text.parse(post.text)
    cut = False
    if not full:
        tokens, cut = weibo_text.preview(tokens)
    return weibo_text.render(tokens, topic_url=links.topic, person_url=links.mentioned_in(post)), cut


def _card(post, links: _Links, *, full: bool) -> None:
    post.html, post.cut = post_html(post, full=full, links=links)
    post.url = links.post(post.pk)
    post.repost_url = links.repost(post.pk)
    post.like_url = links.like(post.pk)
    post.unlike_url = links.unlike(post.pk)
    post.author_url = links.person(post.author)


def decorate(posts, *, full: bool = False):
    """Set `html`, `cut`, `url`, `repost_url`, `like_url`, `unlike_url` and `author_url` on each post and on the original it embeds
    (the card reads them)."""
    links = _Links()
    for post in posts:
        _card(post, links, full=full)
        origin = post.origin
        if origin is not None and not origin.is_deleted:
            _card(origin, links, full=False)
    return posts
