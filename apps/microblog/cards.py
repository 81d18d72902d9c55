"""Weibo's post card (avatar, name and V, time, text, pictures, the original it embeds, repost / comment /
like), written here rather than by a template.

A timeline page is 20 cards of some 80 template nodes each (with their originals): the Django template engine
spent more on them than on the page's queries (bench/bench_weibo.py). Here a page's labels are translated
once, its URL patterns reversed once (rendering.decorate) and each person's name with its V (templatetags/weibo's
v_badge) written once; the HTML is the same as the template's was. `microblog/_post.html` places
`post.card`, so every page showing cards calls `render_cards` first.
"""

from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from apps.core.templatetags.ui import avatar
from apps.microblog import rendering
from apps.microblog.templatetags.weibo import v_badge


class _Page:
    """What every card of one page shares: labels, the icon sheet, the CSRF token, names already written."""

    def __init__(self, request, back: str | None):
        # As {% translate %} wrote them: escaped; blocktranslate's patterns are not (their values are).
        self.full_text = escape(_("Full text"))
        self.deleted = escape(_("This post has been deleted."))
        self.repost = escape(_("Repost"))
        self.comment = escape(_("Comment"))
        self.like = escape(_("Like"))
        self.ago = _("%(ago)s ago")
        self.picture = _("Picture %(n)s of %(count)s")
        self.counts = _("Reposts %(r)s · Comments %(c)s · Likes %(l)s")
        self.icons = escape(static("img/icons.svg"))
        self.csrf = escape(get_token(request))
        self.back = escape(back if back is not None else request.get_full_path())
        self._names: dict[int, str] = {}

    def name(self, person) -> str:
        """microblog/_name.html's markup (as the person and topic pages show it), once a person a page."""
        if person.pk not in self._names:
            badge = v_badge(person)
            self._names[person.pk] = f'<span class="mb-name">{escape(person)}{badge}</span>'
        return self._names[person.pk]


def _text(post, page: _Page) -> str:
    more = f'… <a class="mb-full" href="{escape(post.url)}">{page.full_text}</a>' if post.cut else ""
    return f'<div class="mb-text">{post.html}{more}</div>'


def _pictures(pictures, page: _Page) -> str:
    count = len(pictures)
    items = "".join(
        f'<li><a href="{escape(p.url)}" data-viewer-item data-width="{escape(p.width)}" '
        f'data-height="{escape(p.height)}"><img src="{escape(p.thumbnail_url)}" '
        f'alt="{page.picture % {"n": n, "count": count}}" loading="lazy"></a></li>'
        for n, p in enumerate(pictures, start=1)
    )
    return f'\n<ul class="mb-grid mb-grid-{count}" data-viewer-set>\n  {items}\n</ul>\n'


def _origin(post, page: _Page) -> str:
    origin = post.origin
    if origin is None or origin.is_deleted:
        return f'\n    <p class="mb-deleted">{page.deleted}</p>\n    '
    pictures = _pictures(origin.pictures, page) if origin.pictures else ""
    live = '<span data-post-count="{}" data-count="{}">{}</span>'.format  # followed live by weibo_live.js
    counts = page.counts % {
        "r": live(origin.pk, "reposts", origin.reposts),
        "c": live(origin.pk, "comments", origin.comments),
        "l": live(origin.pk, "likes", origin.likes),
    }
    return (
        f'\n    <a class="mb-author" href="{escape(origin.author_url)}">@{page.name(origin.author)}</a>\n'
        f"    {_text(origin, page)}\n"
        f"    {pictures}\n"
        f'    <a class="mb-origin-link" href="{escape(origin.url)}">{counts}</a>\n    '
    )


def _actions(post, page: _Page) -> str:
    pk = post.pk
    liked = getattr(post, "liked", False)
    like_url, unlike_url = escape(post.like_url), escape(post.unlike_url)
    icon = '<svg class="icon" aria-hidden="true"><use href="{}#{}"></use></svg>'.format
    return (
        f'    <a href="{escape(post.repost_url)}">{icon(page.icons, "transfer")}'
        f'<span class="visually-hidden">{page.repost}</span>'
        f'<span data-post-count="{pk}" data-count="reposts">{post.reposts}</span></a>\n'
        f'    <a href="{escape(post.url)}#comments">{icon(page.icons, "chats")}'
        f'<span class="visually-hidden">{page.comment}</span>'
        f'<span data-post-count="{pk}" data-count="comments">{post.comments}</span></a>\n'
        f'    <form class="mb-post-like" method="post" action="{unlike_url if liked else like_url}" '
        f'data-post-like data-like-url="{like_url}" data-unlike-url="{unlike_url}">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{page.csrf}">'
        f'<input type="hidden" name="next" value="{page.back}#p{pk}">'
        f'<button type="submit" aria-pressed="{"true" if liked else "false"}">{icon(page.icons, "like")}'
        f'<span class="visually-hidden">{page.like}</span>'
        f'<span data-post-count="{pk}" data-count="likes">{post.likes}</span></button></form>\n'
    )


def card(post, page: _Page) -> SafeString:
    pk = post.pk
    created = template_localtime(post.created_at)
    ago = page.ago % {"ago": escape(timesince(created))}
    origin = f'\n  <div class="mb-origin">\n    {_origin(post, page)}\n  </div>\n  ' if post.origin_id else ""
    return SafeString(
        f'\n<article class="mb-post" id="p{pk}" data-post="{pk}" aria-labelledby="mb-post-{pk}-by">\n'
        f'  <header class="mb-head">\n    {avatar(post.author, 40)}\n    <div class="mb-who">\n'
        f'      <a class="mb-author" id="mb-post-{pk}-by" href="{escape(post.author_url)}">'
        f"{page.name(post.author)}</a>\n"
        f'      <a class="mb-time" href="{escape(post.url)}"><time datetime="{date_format(created, "c")}">'
        f"{ago}</time></a>\n    </div>\n  </header>\n"
        f"  {_text(post, page) if post.html else ''}\n"
        f"  {_pictures(post.pictures, page) if post.pictures else ''}\n"
        f"  {origin}\n"
        f'  <footer class="mb-actions">\n{_actions(post, page)}  </footer>\n</article>\n'
    )


def render_cards(request, posts, *, full: bool = False, back: str | None = None):
    """Set `card` (its HTML) on each post; `full` shows whole texts (a post's page), `back` is where a like
    without script returns to (this page by default)."""
    rendering.decorate(posts, full=full)
    page = _Page(request, back)
    for post in posts:
        post.card = card(post, page)
    return posts
