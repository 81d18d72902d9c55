"""A post's text as HTML through the one parser: topics link to their page, mentions to the people the post
links (its Mention rows: nobody who blocked the author), links open safely, the rest is escaped."""

from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString

from apps.microblog import text as weibo_text


def topic_url(name: str) -> str:
    try:
        return reverse("microblog:topic", args=[name])
    except NoReverseMatch:  # lane T's topic page not merged yet: the square still works as a target
        return reverse("microblog:square")


def person_url(person) -> str | None:
    try:
        return reverse("microblog:person", args=[person.public_id])
    except NoReverseMatch:  # lane T's person page not merged yet
        return reverse("accounts:profile", args=[person.public_id])


def _linker(post):
    people = {}
    for person in getattr(post, "mentioned", ()):
        people.setdefault(person.username.casefold(), person)
    for person in getattr(post, "mentioned", ()):
        people[person.public_id.casefold()] = person  # a public ID wins over a username, as when saved

    def url_of(name: str) -> str | None:
        person = people.get(name.casefold())
        return person_url(person) if person is not None else None

    return url_of


def post_html(post, *, full: bool = False) -> tuple[SafeString, bool]:
    """(HTML of the post's text, whether it was cut at 140 characters for a timeline)."""
    tokens = weibo_text.parse(post.text)
    cut = False
    if not full:
        tokens, cut = weibo_text.preview(tokens)
    return weibo_text.render(tokens, topic_url=topic_url, person_url=_linker(post)), cut


def decorate(posts, *, full: bool = False):
    """Set `html`, `cut` and `author_url` on each post and on the original it embeds (the card reads them)."""
    for post in posts:
        post.html, post.cut = post_html(post, full=full)
        post.author_url = person_url(post.author)
        origin = post.origin
        if origin is not None and not origin.is_deleted:
            origin.html, origin.cut = post_html(origin, full=False)
            origin.author_url = person_url(origin.author)
    return posts
