"""Weibo's timelines, a post's page, posting and reposting: thin views over selectors/timelines and
services/posts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.core.converters import BadQuery, parse_id
from apps.core.errors import DomainError
from apps.core.web import attempt
from apps.microblog import cards
from apps.microblog.models import MAX_IMAGES, MAX_TEXT
from apps.microblog.selectors import pills, timelines
from apps.microblog.services import posts as post_services
from apps.microblog.views.comments import thread_context

TABS = {"home": timelines.home, "square": timelines.square}


def _cursor(request, name: str) -> int | None:
    raw = request.GET.get(name)
    return None if raw in (None, "") else parse_id(raw)


def _timeline(request, tab: str):
    page = TABS[tab](request.user)
    cards.render_cards(request, page.posts)
    context = {"tab": "discover", "weibo_tab": tab, "page": page, "hide_tabbar": False}
    if tab == "square":  # the pill does not count posts the reader will not be shown
        context["muted"] = pills.hidden_authors(request.user)
    return render(request, "microblog/timeline.html", context)


@login_required
def home(request):
    """Home: the people and topics I follow, and my own posts; new ones announced live."""
    return _timeline(request, "home")


@login_required
def square(request):
    """The public square: everyone's posts, newest first."""
    return _timeline(request, "square")


@login_required
@require_GET
def feed(request, tab: str):
    """A page of cards for infinite scroll (`before`) or the "new posts" pill (`after`), as an HTML fragment."""
    if tab not in TABS:
        raise Http404
    try:
        before, after = _cursor(request, "before"), _cursor(request, "after")
    except BadQuery as exc:
        return HttpResponseBadRequest(str(exc.message))
    page = TABS[tab](request.user, before=before, after=after)
    # Without script a like comes back to the timeline, not to this fragment (only script fetches it).
    cards.render_cards(request, page.posts, back=reverse(f"microblog:{tab}"))
    return render(request, "microblog/_feed_page.html", {"page": page})


@login_required
def detail(request, pk: int):
    """One post in full, with its comments (lane C's `_comments.html`)."""
    post = timelines.post_for(request.user, pk)
    if post is None:
        raise Http404
    cards.render_cards(request, [post], full=True)
    context = {**thread_context(request, post), "post": post, "hide_tabbar": True}
    return render(request, "microblog/post.html", context)


def _compose_page(request, *, text="", error=None, status=200):
    context = {
        "text": text,
        "error": error,
        "max_text": MAX_TEXT,
        "max_images": MAX_IMAGES,
        "hide_tabbar": True,
    }
    return render(request, "microblog/compose.html", context, status=status)


@login_required
def compose(request):
    """Write a post: text with #topics# and @mentions, and up to 9 pictures."""
    if request.method != "POST":
        # A share link (apps.core.share) opens the composer with its text; nothing is posted until you post.
        return _compose_page(request, text=request.GET.get("text", "")[:MAX_TEXT])
    text = request.POST.get("text", "")
    try:
        post_services.post_create(actor=request.user, text=text, uploads=request.FILES.getlist("images"))
    except DomainError as exc:
        return _compose_page(request, text=text, error=exc.message, status=400)
    messages.success(request, _("Posted."))
    return redirect("microblog:home")


@login_required
def repost(request, pk: int):
    """Repost with a comment; the original is embedded below it."""
    post = timelines.post_for(request.user, pk)
    if post is None:
        raise Http404
    error = None
    comment = request.POST.get("comment", "")
    if request.method == "POST":
        try:
            post_services.post_repost(actor=request.user, post=post, comment=comment)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Reposted."))
            return redirect("microblog:home")
    cards.render_cards(request, [post])
    context = {"post": post, "comment": comment, "error": error, "max_text": MAX_TEXT, "hide_tabbar": True}
    return render(request, "microblog/repost.html", context, status=400 if error else 200)


@login_required
@require_POST
def delete(request, pk: int):
    """Delete my own post (anyone else's reads as missing)."""
    ok, _post = attempt(
        request,
        lambda: post_services.post_delete(actor=request.user, post_id=pk),
        success=_("Post deleted."),
    )
    return redirect("microblog:home" if ok else "microblog:post", *([] if ok else [pk]))
