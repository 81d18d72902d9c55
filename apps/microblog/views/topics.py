"""Topic pages and the hot-search list: thin views over selectors/topics.py and services/topics.py."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.converters import BadQuery, parse_id
from apps.core.web import attempt
from apps.microblog import cards
from apps.microblog.models import HotTopic, Topic
from apps.microblog.selectors import topics as selectors
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
        "next_cursor": page.next_cursor,
        "pinned": page.pinned,
        "following": selectors.follows_topic(request.user, found),
        "is_host": found.host_id == request.user.pk,
    }
    return render(request, "microblog/topic.html", context)


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
