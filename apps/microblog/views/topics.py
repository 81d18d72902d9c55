"""Topic pages and the hot-search list: thin views over selectors/topics.py and services/topics.py; the topic's
live "N new posts" pill reads selectors/pills.py."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.core import realtime
from apps.core.converters import BadQuery, parse_id
from apps.core.web import attempt
from apps.microblog import cards
from apps.microblog.models import HotTopic, Topic
from apps.microblog.selectors import pills
from apps.microblog.selectors import topics as selectors
from apps.microblog.services import posts as post_services
from apps.microblog.services import topics as services

SORTS = ("hot", "new")


@login_required
def hot(request):
    """Weibo's hot search: the last computed top 50, redrawn live when the periodic refresh pushes a new one."""
    marks = {value: str(label) for value, label in HotTopic.Mark.choices if value}  # 新/热/沸/爆, New/Hot/…
    rows = selectors.hot_list()
    context = {"tab": "discover", "rows": rows, "marks": marks, "hot_page": services.HOT_PAGE}
    return render(request, "microblog/hot.html", context)


@login_required
def topic(request, name: str):
    """A topic: host and introduction, pinned post, reads and discussion, follow button, posts hot or newest."""
    found = selectors.topic_named(name)
    if found is None:
        raise Http404
    sort = request.GET.get("sort", "hot")
    if sort not in SORTS:
        sort = "hot"
    try:
        before = parse_id(request.GET["before"]) if request.GET.get("before") else None
    except BadQuery as exc:
        return HttpResponseBadRequest(str(exc.message))
    services.topic_read(viewer=request.user, topic=found)
    page = selectors.topic_page(found, request.user, sort=sort, before=before)
    cards.render_cards(request, [*page.posts, page.pinned] if page.pinned else page.posts)
    context = {
        "tab": "discover",
        "topic": found,
        "sort": sort,
        "posts": page.posts,
        "page": pills.as_feed(page, newest_first=sort == "new"),
        "next_cursor": page.next_cursor,
        "pinned": page.pinned,
        "following": selectors.follows_topic(request.user, found),
        "is_host": found.host_id == request.user.pk,
    }
    if before is None:  # the top of the list: new posts come to its pill (an older page is read without it)
        context["live_page"] = realtime.object_page(post_services.TOPIC_PAGE, found.pk)
        context["muted"] = pills.hidden_authors(request.user)
    return render(request, "microblog/topic.html", context)


@login_required
@require_GET
def topic_feed(request, pk: int):
    """The newest view's next page (`before`, scrolling down) or its new posts (`after`, the pill), as an HTML
    fragment for weibo.js."""
    found = get_object_or_404(Topic, pk=pk)
    try:
        before = parse_id(request.GET["before"]) if request.GET.get("before") else None
        after = parse_id(request.GET["after"]) if request.GET.get("after") else None
    except BadQuery as exc:
        return HttpResponseBadRequest(str(exc.message))
    page = pills.topic_newest(found, request.user, before=before, after=after)
    # Without script a like comes back to the topic's newest view, not to this fragment (only script asks it).
    cards.render_cards(request, page.posts, back=reverse("microblog:topic", args=[found.name]) + "?sort=new")
    return render(request, "microblog/_feed_page.html", {"page": page})


@login_required
@require_POST
def topic_follow(request, pk: int):
    found = get_object_or_404(Topic, pk=pk)
    if request.POST.get("follow") == "0":
        services.topic_unfollow(actor=request.user, topic=found)
    else:
        services.topic_follow(actor=request.user, topic=found)
    return redirect("microblog:topic", found.name)


@login_required
@require_POST
def topic_introduction(request, pk: int):
    """The host saves the introduction and the pinned post (a clear message if they may not, nothing changes)."""
    found = get_object_or_404(Topic, pk=pk)
    try:
        pinned = parse_id(request.POST["pinned"]) if request.POST.get("pinned") else None
    except BadQuery as exc:
        return HttpResponseBadRequest(str(exc.message))
    attempt(
        request,
        lambda: services.topic_introduction_edit(
            actor=request.user,
            topic_id=found.pk,
            introduction=request.POST.get("introduction", ""),
            pinned_post_id=pinned,
        ),
        success=_("Introduction saved."),
    )
    return redirect("microblog:topic", found.name)
