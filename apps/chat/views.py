"""Chat pages: thin views over selectors and services. Live sending goes over the websocket."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.selectors import access_person, contacts_of
from apps.chat import chatlist, composer, forms, invites, selectors, services
from apps.chat.models import MAX_JOIN_BY_CODE, ChatProfile, Membership
from apps.chat.stickers import STICKERS
from apps.core import badges, qr, ratelimit
from apps.core.converters import BadQuery, parse_id
from apps.core.errors import DomainError, NotFound
from apps.core.web import attempt


def _membership_or_404(request, pk, include_inactive=False) -> Membership:
    try:
        return selectors.access_membership(user=request.user, pk=pk, include_inactive=include_inactive)
    except NotFound as exc:
        raise Http404 from exc


@login_required
def chat_list(request):
    """The Chats tab: pinned first, then by last activity, with previews and unread counts."""
    rows = chatlist.chat_list(request.user)
    unread = chatlist.unread_in(rows)
    counts = badges.counts_for(request.user, known={} if unread is None else {"chats": unread})
    return render(request, "chat/list.html", {"tab": "chats", "rows": rows, "badge_counts": counts})


@login_required
def direct(request, public_id: str):
    """Open (or start) the 1:1 chat with a friend."""
    try:
        person = access_person(viewer=request.user, public_id=public_id)
    except NotFound as exc:
        raise Http404 from exc
    ok, conversation = attempt(
        request, lambda: services.conversation_direct_get_or_create(a=request.user, b=person)
    )
    if not ok:
        return redirect("accounts:profile", public_id)
    return redirect("chat:thread", conversation.pk)


@login_required
def thread(request, pk: int):
    """One chat: the newest 50 messages (older ones load on scroll up), members and read positions."""
    membership = _membership_or_404(request, pk, include_inactive=True)
    conv = membership.conversation
    members = list(selectors.memberships_of(conv))
    other = None
    if not conv.is_group:
        other = next((m.user for m in members if m.user_id != request.user.pk), None)
        if other is None:  # the other side's membership (direct chats always have two)
            other_m = (
                Membership.objects.filter(conversation=conv)
                .exclude(user=request.user)
                .select_related("user")
                .first()
            )
            other = other_m.user if other_m else None
    masked = selectors.identity_masked(request.user, conv, other)
    members_data = selectors.members_data(request.user, members, masked=masked)
    title = conv.name if conv.is_group else (members_data.get(str(other.pk), {}).get("name") if other else "")
    if other is not None and not title:
        title = str(other)
    messages = selectors.history(membership)
    if membership.active and messages and messages[-1].seq > membership.last_read_seq:
        # Opening a chat reads it (as in WeChat), even if the tab closes before its socket opens.
        services.conversation_read(actor=request.user, conversation_id=conv.pk, seq=messages[-1].seq)
    context = {
        "conv": conv,
        "membership": membership,
        "title": title,
        "other": other,
        "masked": masked,
        "member_count": len(members),
        "chat_state": {
            "conversation": conv.pk,
            "me": request.user.pk,
            "group": conv.is_group,
            "admin": membership.is_admin,
            "active": membership.active,
            "last_read": membership.last_read_seq,
            "members": members_data,
            "messages": [selectors.message_data(m) for m in messages],
            "notices": selectors.notices_for(membership, messages),
            "other": other.pk if other else None,
            "stickers": list(STICKERS),
            "image_url": reverse("chat:image", args=[conv.pk]),
            "messages_url": reverse("chat:messages", args=[conv.pk]),
        },
        "stickers": STICKERS.items(),
        "hide_tabbar": True,
        "tab": "chats",
        "composer_actions": composer.actions_for(conv),
        "composer_assets": composer.assets(),
    }
    return render(request, "chat/thread.html", context)


@login_required
@require_GET
def messages_json(request, pk: int):
    """History pages and catch-up over HTTP: `?before=<seq>` (older) or `?after=<seq>` (missed)."""
    membership = _membership_or_404(request, pk, include_inactive=True)
    try:
        before = parse_id(request.GET["before"]) if "before" in request.GET else None
        after = parse_id(request.GET["after"]) if "after" in request.GET else None
    except BadQuery:
        return JsonResponse({"error": _("That request could not be read.")}, status=400)
    messages = selectors.history(membership, before=before, after=after)
    return JsonResponse(
        {
            "messages": [selectors.message_data(m) for m in messages],
            "notices": selectors.notices_for(membership, messages, before=before, after=after),
        }
    )


@login_required
@require_POST
def image_upload(request, pk: int):
    """Send a photo (multipart, field `image`, with the client's id for retries)."""
    membership = _membership_or_404(request, pk)
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": _("Choose a photo first.")}, status=400)
    try:
        message = services.message_send_image(
            sender=request.user,
            conversation=membership.conversation,
            upload=upload,
            client_id=request.POST.get("client_id") or None,
        )
    except DomainError as exc:
        status = 404 if isinstance(exc, NotFound) else (429 if exc.code == "rate_limited" else 400)
        return JsonResponse({"error": str(exc.message), "code": exc.code}, status=status)
    return JsonResponse({"id": message.pk, "seq": message.seq, "message": selectors.message_data(message)})


@login_required
def info(request, pk: int):
    """Chat info: members, name, announcement, mute, pin, clear, leave (WeChat's "Chat Info")."""
    membership = _membership_or_404(request, pk)
    conv = membership.conversation
    if request.method == "POST":
        action = request.POST.get("action", "")
        u = request.user
        actions = {
            "mute": lambda: services.membership_update(
                actor=u, conversation_id=pk, muted=request.POST.get("value") == "1"
            ),
            "pin": lambda: services.membership_update(
                actor=u, conversation_id=pk, pinned=request.POST.get("value") == "1"
            ),
            "clear": lambda: services.conversation_clear(actor=u, conversation_id=pk),
            "rename": lambda: services.group_rename(
                actor=u, conversation=conv, name=request.POST.get("name", "")
            ),
            "announce": lambda: services.group_set_announcement(
                actor=u, conversation=conv, text=request.POST.get("announcement", "")
            ),
            "remove": lambda: services.group_remove_member(
                actor=u, conversation=conv, user_id=parse_id(request.POST.get("user", ""))
            ),
            "admin": lambda: services.group_set_admin(
                actor=u,
                conversation=conv,
                user_id=parse_id(request.POST.get("user", "")),
                admin=request.POST.get("value") == "1",
            ),
            "leave": lambda: services.group_leave(actor=u, conversation=conv),
            "hide": lambda: services.conversation_hide(actor=u, conversation_id=pk),
            "end": lambda: services.conversation_end(actor=u, conversation_id=pk),
            "block": lambda: services.conversation_block_other(actor=u, conversation_id=pk),
            "befriend": lambda: services.conversation_befriend_other(actor=u, conversation_id=pk),
        }
        if action not in actions:
            raise Http404
        said = {"mute": None, "pin": None, "befriend": _("Friend request sent.")}
        ok, _changed = attempt(request, actions[action], success=said.get(action, _("Done.")))
        if ok and action in ("leave", "hide", "end"):
            return redirect("chat:list")
        if ok and action == "clear":
            return redirect("chat:thread", pk)
        return redirect("chat:info", pk)
    rank = {Membership.Role.OWNER: 0, Membership.Role.ADMIN: 1}
    members = sorted(selectors.memberships_of(conv), key=lambda m: rank.get(m.role, 2))
    remarks = selectors.members_data(request.user, members)
    member_rows = [(m, remarks[str(m.user_id)]["name"]) for m in members]
    other = (
        next((m.user for m in members if m.user_id != request.user.pk), None) if not conv.is_group else None
    )
    context = {
        "masked": selectors.identity_masked(request.user, conv, other),
        "conv": conv,
        "membership": membership,
        "members": member_rows,
        "shown_members": member_rows[:19],
        "member_count": len(members),
        "other": other,
        "hide_tabbar": True,
    }
    return render(request, "chat/info.html", context)


@login_required
def add_members(request, pk: int):
    """Invite more friends into a group."""
    membership = _membership_or_404(request, pk)
    conv = membership.conversation
    if not conv.is_group:
        raise Http404
    current = set(selectors.member_ids(conv))
    friends = [c for _letter, people in contacts_of(request.user) for c in people if c.user.pk not in current]
    form = forms.GroupForm(request.POST or None, friends=friends)
    form.fields.pop("name")
    if request.method == "POST" and form.is_valid():
        ok, _added = attempt(
            request,
            lambda: services.group_add_members(
                actor=request.user, conversation=conv, user_ids=form.cleaned_data["members"]
            ),
        )
        if ok:
            return redirect("chat:thread", pk)
    return render(
        request, "chat/pick.html", {"form": form, "friends": friends, "conv": conv, "hide_tabbar": True}
    )


@login_required
def new_group(request):
    """Start a group chat with friends."""
    friends = [c for _letter, people in contacts_of(request.user) for c in people]
    form = forms.GroupForm(request.POST or None, friends=friends)
    if request.method == "POST" and form.is_valid():
        ok, conv = attempt(
            request,
            lambda: services.group_create(
                actor=request.user, member_ids=form.cleaned_data["members"], name=form.cleaned_data["name"]
            ),
        )
        if ok:
            return redirect("chat:thread", conv.pk)
    return render(request, "chat/pick.html", {"form": form, "friends": friends, "hide_tabbar": True})


@login_required
def groups(request):
    """Group chats you are in (from Contacts)."""
    return render(
        request, "chat/groups.html", {"groups": selectors.groups_of(request.user), "tab": "contacts"}
    )


@login_required
def search(request, pk: int):
    """Search this chat's history."""
    membership = _membership_or_404(request, pk, include_inactive=True)
    query = request.GET.get("q", "")[:100]
    results = selectors.search(membership, query)
    return render(
        request,
        "chat/search.html",
        {"conv": membership.conversation, "q": query, "results": results, "hide_tabbar": True},
    )


def _invite_url(request, conv) -> str:
    token = invites.invite_token(actor=request.user, conversation=conv)
    return request.build_absolute_uri(reverse("chat:join", args=[token]))


@login_required
def invite(request, pk: int):
    """The group's QR code and join code: valid 7 days, expiry shown under them; owner/admins reset them."""
    membership = _membership_or_404(request, pk)
    conv = membership.conversation
    if not conv.is_group:
        raise Http404
    member_count = len(selectors.member_ids(conv))
    context = {
        "conv": conv,
        "member_count": member_count,
        "too_big": invites.closed_to_codes(member_count),
        "may_reset": invites.may_reset(membership),
        "hide_tabbar": True,
    }
    if not context["too_big"]:
        context["join_code"], context["expires"] = invites.join_code_for(
            actor=request.user, conversation=conv
        )
    return render(request, "chat/invite.html", context)


@login_required
@require_POST
def invite_reset(request, pk: int):
    membership = _membership_or_404(request, pk)
    attempt(
        request,
        lambda: invites.invite_reset(actor=request.user, conversation=membership.conversation),
        success=_("The group QR code and join code were reset. Old copies no longer work."),
    )
    return redirect("chat:invite", pk)


@login_required
def invite_qr(request, pk: int, fmt: str):
    membership = _membership_or_404(request, pk)
    if fmt not in {"svg", "png"} or not membership.conversation.is_group:
        raise Http404
    return qr.qr_response(_invite_url(request, membership.conversation), fmt)


def join(request, token: str):
    """Where a scanned group QR code lands: see the group, then join (after signing up or logging in)."""
    try:
        invite = invites.invite_read(token)
    except DomainError as exc:
        return render(request, "chat/join.html", {"error": exc.message, "hide_tabbar": True}, status=400)
    conv, user = invite.conversation, request.user
    if invites.is_member(user, conv):
        return redirect("chat:thread", conv.pk)
    member_count = len(selectors.member_ids(conv))
    if invites.closed_to_codes(member_count):  # say so now, not after signing up
        error = _("This group has more than %(n)s members: ask a member to invite you.") % {
            "n": MAX_JOIN_BY_CODE
        }
        return render(request, "chat/join.html", {"error": error, "hide_tabbar": True}, status=400)
    if not user.is_authenticated:
        if request.method == "POST":  # "Sign up to join" / "Log in to join"
            invites.pending_remember(request.session, token)
            page = "accounts:login" if request.POST.get("then") == "login" else "accounts:signup"
            return redirect(f"{reverse(page)}?{urlencode({'next': request.path})}")
    elif request.method == "POST" or invites.pending_take(request.session, token):
        ok, _c = attempt(
            request,
            lambda: invites.group_join(actor=user, token=token),
            success=_("You joined %(group)s.") % {"group": conv.name},
        )
        if ok:
            return redirect("chat:thread", conv.pk)
    context = {"conv": conv, "inviter": invite.inviter, "member_count": member_count, "hide_tabbar": True}
    return render(request, "chat/join.html", context)


def join_code(request):
    """Type a group's join code instead of scanning its QR code (logged in, or on the sign-up page)."""
    anonymous = not request.user.is_authenticated
    if request.method != "POST":
        if anonymous:
            return redirect("accounts:signup")  # the code box for people without an account is there
        return render(request, "chat/join.html", {"code_form": True, "hide_tabbar": True})
    code = request.POST.get("code", "")
    try:
        invite = invites.join_code_read(code, address=ratelimit.client_address(request))
    except DomainError as exc:
        if anonymous:
            messages.error(request, exc.message)
            return redirect("accounts:signup")
        context = {"code_form": True, "code": code[:20], "code_error": exc.message, "hide_tabbar": True}
        return render(request, "chat/join.html", context, status=400)
    join_url = reverse("chat:join", args=[invite.token])
    if not anonymous:
        return redirect(join_url)  # see the group, then tap Join
    invites.pending_remember(request.session, invite.token)
    messages.success(
        request, _("Code accepted: sign up (or log in) to join %(group)s.") % {"group": invite.conversation}
    )
    return redirect(f"{reverse('accounts:signup')}?{urlencode({'next': join_url})}")


@login_required
def chat_settings(request):
    """Chat settings of your own: the pat-pat suffix."""
    profile = ChatProfile.objects.filter(user=request.user).first()
    form = forms.PatForm(request.POST or None, initial={"pat_suffix": profile.pat_suffix if profile else ""})
    if request.method == "POST" and form.is_valid():
        ok, _p = attempt(
            request,
            lambda: services.chat_profile_update(
                actor=request.user, pat_suffix=form.cleaned_data["pat_suffix"]
            ),
            success=_("Saved."),
        )
        if ok:
            return redirect("chat:settings")
    return render(request, "chat/settings.html", {"form": form, "hide_tabbar": True, "tab": "me"})
