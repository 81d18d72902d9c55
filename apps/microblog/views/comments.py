"""Comment threads, likes, reports and the notifications pages: thin views over selectors and services.

Every action is a plain form POST that redirects back (works without JavaScript); static/js/weibo_comments.js
sends the same forms with `Accept: application/json` and gets a small JSON answer instead.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.core.converters import BadQuery, parse_id
from apps.core.errors import DomainError
from apps.microblog.models import Notification
from apps.microblog.selectors import comments as selectors
from apps.microblog.selectors import notifications as notification_selectors
from apps.microblog.services import comments, likes, notifications, reports


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _back(request, fallback: str):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _answer(request, fallback: str, action, *, success: str = "", data=None):
    """Run `action`; answer JSON to the script, else a message and a redirect back."""
    try:
        result = action()
    except DomainError as exc:
        if _wants_json(request):
            return JsonResponse({"error": str(exc.message)}, status=400)
        messages.error(request, exc.message)
        return _back(request, fallback)
    if _wants_json(request):
        return JsonResponse({"ok": True, **(data(result) if data else {})})
    if success:
        messages.success(request, success)
    return _back(request, fallback)


def _int_or_none(raw: str) -> int | None:
    try:
        return parse_id(raw) if raw and raw.strip() else None
    except BadQuery:
        return None


def thread_context(request, post) -> dict:
    """What `microblog/_comments.html` needs, for any page that shows a post's comments (`?sort=`, `?page=`,
    `?reply_to=` read from the query string)."""
    sort = request.GET.get("sort", "hot")
    page = _int_or_none(request.GET.get("page", "")) or 1
    thread = selectors.floors(viewer=request.user, post=post, sort=sort, page=page)
    replying_to = None
    if reply_to_id := _int_or_none(request.GET.get("reply_to", "")):
        replying_to = selectors.visible_comments(request.user).filter(pk=reply_to_id, post=post).first()
    return {"post": post, "thread": thread, "replying_to": replying_to}


def _post_or_404(request, pk):
    post = selectors.visible_post(request.user, pk)
    if post is None:
        raise Http404
    return post


@login_required
@require_GET
def post_comments(request, pk: int):
    """A post's comments on a page of their own (the post page includes the same thread)."""
    post = _post_or_404(request, pk)
    return render(request, "microblog/comments.html", thread_context(request, post))


@login_required
@require_GET
def comment_replies(request, pk: int):
    """A floor with all its replies ("N more replies" opens this)."""
    floor = selectors.visible_floor(request.user, pk)
    if floor is None:
        raise Http404
    after = _int_or_none(request.GET.get("after", "")) or 0
    replies, has_more = selectors.floor_replies(viewer=request.user, floor=floor, after=after)
    selectors.decorate(request.user, [floor])
    reply_to_id = _int_or_none(request.GET.get("reply_to", ""))
    replying_to = next((r for r in replies if r.pk == reply_to_id), floor)
    context = {
        "floor": floor,
        "post": floor.post,
        "replies": replies,
        "has_more": has_more,
        "replying_to": replying_to,
    }
    return render(request, "microblog/replies.html", context)


@login_required
@require_POST
def comment_new(request, pk: int):
    fallback = reverse("microblog:post_comments", args=[pk])
    return _answer(
        request,
        fallback,
        lambda: comments.comment_create(
            actor=request.user,
            post_id=pk,
            text=request.POST.get("text", ""),
            reply_to_id=_int_or_none(request.POST.get("reply_to", "")),
        ),
        data=lambda comment: {"id": comment.pk},
    )


@login_required
@require_POST
def comment_delete(request, pk: int):
    return _answer(
        request,
        reverse("microblog:notifications"),
        lambda: comments.comment_delete(actor=request.user, comment_id=pk),
        success=_("Comment deleted."),
    )


def _like_view(action, liked: bool):
    @login_required
    @require_POST
    def view(request, pk: int):
        return _answer(
            request,
            reverse("microblog:notifications"),
            lambda: action(request.user, pk),
            data=lambda result: {"liked": liked, "likes": result},
        )

    return view


def _liked(service, model_field):
    def act(actor, pk):
        service(actor=actor, **{model_field: pk})
        return selectors.like_count(**{model_field: pk})

    return act


post_like = _like_view(_liked(likes.post_like, "post_id"), True)
post_unlike = _like_view(_liked(likes.post_unlike, "post_id"), False)
comment_like = _like_view(_liked(likes.comment_like, "comment_id"), True)
comment_unlike = _like_view(_liked(likes.comment_unlike, "comment_id"), False)


@login_required
@require_POST
def post_report(request, pk: int):
    return _answer(
        request,
        reverse("microblog:notifications"),
        lambda: reports.report_create(actor=request.user, post_id=pk, reason=request.POST.get("reason", "")),
        success=_("Reported. You won't see it any more."),
    )


@login_required
@require_POST
def comment_report(request, pk: int):
    return _answer(
        request,
        reverse("microblog:notifications"),
        lambda: reports.report_create(
            actor=request.user, comment_id=pk, reason=request.POST.get("reason", "")
        ),
        success=_("Reported. You won't see it any more."),
    )


@login_required
@require_GET
def notification_list(request, kind: str = ""):
    """Weibo's notifications grouped by kind; opening a kind lists it and marks it read."""
    if kind and kind not in Notification.Kind.values:
        raise Http404
    items = []
    if kind:
        notifications.notifications_read(actor=request.user, kind=kind)
        items = notification_selectors.of_kind(viewer=request.user, kind=kind)
    unread = notifications.unread_counts(request.user.pk)
    kinds = [(value, label, unread[value]) for value, label in Notification.Kind.choices]
    context = {
        "kind": kind,
        "kinds": kinds,
        "items": items,
        "tab": "discover",
    }
    return render(request, "microblog/notifications.html", context)
