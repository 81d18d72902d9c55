"""A person's Weibo page (header: V, counts, follow button; their posts as cards) and their following/fans lists."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.selectors import access_person, has_blocked
from apps.core import realtime
from apps.core.converters import BadQuery, parse_id
from apps.core.errors import NotFound
from apps.core.web import attempt
from apps.microblog import cards
from apps.microblog.selectors import people as selectors
from apps.microblog.selectors import pills, timelines
from apps.microblog.services import follows
from apps.microblog.services import posts as post_services


def _person_or_404(request, public_id: str):
    try:
        return access_person(viewer=request.user, public_id=public_id)  # blocked-by looks missing
    except NotFound as exc:
        raise Http404 from exc


def _header(request, person) -> dict:
    following, fans = selectors.follow_counts(person)
    return {
        "tab": "discover",
        "person": person,
        "is_self": person.pk == request.user.pk,
        "rel": selectors.relation(request.user, person),
        "following_count": following,
        "fans_count": fans,
        "i_blocked": person.pk != request.user.pk and has_blocked(request.user, person),
    }


def _posts(request, person):
    """A page of the person's posts as cards, from the `before` cursor (scrolling down) or newer than `after`
    (their page's "new posts" pill); BadQuery if either is not an id."""
    before = parse_id(request.GET["before"]) if request.GET.get("before") else None
    after = parse_id(request.GET["after"]) if request.GET.get("after") else None
    page = timelines.person_posts(request.user, person, before=before, after=after)
    cards.render_cards(request, page.posts, back=reverse("microblog:person", args=[person.public_id]))
    return page


@login_required
def person(request, public_id: str):
    """Their header, then their posts and reposts as cards (more load on scroll, as on the timeline); their new
    ones announced live by a pill."""
    found = _person_or_404(request, public_id)
    try:
        page = _posts(request, found)
    except BadQuery as exc:
        return HttpResponseBadRequest(str(exc.message))
    context = _header(request, found) | {"page": page}
    if not request.GET.get("before"):  # the top of their posts: new ones come to its pill
        context["live_page"] = realtime.object_page(post_services.PERSON_PAGE, found.pk)
        context["muted"] = pills.hidden_authors(request.user)
    return render(request, "microblog/person.html", context)


@login_required
@require_GET
def person_feed(request, public_id: str):
    """The next page of their cards (infinite scroll, `before`) or their new ones (the pill, `after`), as an
    HTML fragment for weibo.js."""
    found = _person_or_404(request, public_id)
    try:
        page = _posts(request, found)
    except BadQuery as exc:
        return HttpResponseBadRequest(str(exc.message))
    return render(request, "microblog/_feed_page.html", {"page": page})


def _list(request, public_id: str, which: str):
    found = _person_or_404(request, public_id)
    try:
        before = parse_id(request.GET["before"]) if request.GET.get("before") else None
    except BadQuery as exc:
        return HttpResponseBadRequest(str(exc.message))
    pick = selectors.fans_of if which == "fans" else selectors.following_of
    rows, next_cursor = pick(found, request.user, before=before)
    context = _header(request, found) | {"which": which, "rows": rows, "next_cursor": next_cursor}
    return render(request, "microblog/people_list.html", context)


@login_required
def following(request, public_id: str):
    return _list(request, public_id, "following")


@login_required
def fans(request, public_id: str):
    return _list(request, public_id, "fans")


@login_required
@require_POST
def follow(request, public_id: str):
    found = _person_or_404(request, public_id)
    if request.POST.get("follow") == "0":
        follows.follow_delete(actor=request.user, followee=found)
    else:
        attempt(request, lambda: follows.follow_create(actor=request.user, followee=found))
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("microblog:person", found.public_id)
