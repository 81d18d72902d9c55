"""Thin views: parse, authorise, call one service, render."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts import forms, selectors, services
from apps.accounts.models import FriendRequest, User
from apps.accounts.seed import DEMO_PASSWORD, sample_logins
from apps.core import discover, qr, ratelimit, tokens
from apps.core.errors import DomainError, NotFound
from apps.core.web import attempt

QR_KIND = "user"


def _set_language(response, language: str):
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        )
    return response


def _next_path(request) -> str:
    """Where to go after signing up or logging in: a path on this site only (no open redirect), else ""."""
    target = (request.POST.get("next") or request.GET.get("next") or "").strip()
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return target


def _auth_context(request, form) -> dict:
    """What the login and sign-up pages share: the form and where the person was going."""
    next_path = _next_path(request)
    return {
        "form": form,
        "next": next_path,
        "next_query": f"?{urlencode({'next': next_path})}" if next_path else "",
    }


def _person_or_404(viewer: User, public_id: str) -> User:
    try:
        return selectors.access_person(viewer=viewer, public_id=public_id)
    except NotFound as exc:
        raise Http404 from exc


def _back_to_profile(person: User):
    return redirect("accounts:profile", public_id=person.public_id)


# --- Sign-up, login, logout ---------------------------------------------------------------------


def signup(request):
    if request.user.is_authenticated:
        return redirect(_next_path(request) or settings.LOGIN_REDIRECT_URL)
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.signup_check(request=request)
            user = services.user_create(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
                language=translation.get_language() or "",
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user)  # the one backend in settings
            next_path = _next_path(request)
            welcome = (
                _("Welcome, %(name)s!")
                if next_path
                else _("Welcome, %(name)s! Add a friend to start chatting.")
            )
            messages.success(request, welcome % {"name": user.display_name})
            return redirect(next_path or settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/signup.html", _auth_context(request, form))


def login_view(request):
    if request.user.is_authenticated:
        return redirect(_next_path(request) or settings.LOGIN_REDIRECT_URL)
    form = forms.LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_check(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user)
            response = redirect(_next_path(request) or settings.LOGIN_REDIRECT_URL)
            if user.language:
                translation.activate(user.language)
            return _set_language(response, user.language)
    context = _auth_context(request, form)
    if settings.DEMO_MODE:
        context.update(sample_logins=sample_logins(), demo_password=DEMO_PASSWORD)
    return render(request, "accounts/login.html", context)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:settings")

    def form_valid(self, form):
        response = super().form_valid(form)
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password was changed."))
        return response


# --- Me ------------------------------------------------------------------------------------------


@login_required
def me(request):
    return render(request, "accounts/me.html", {"tab": "me", "me_entries": discover.entries("me")})


@login_required
def profile_edit(request):
    form = forms.ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Profile saved."))
        return redirect("accounts:profile_edit")
    return render(request, "accounts/profile_edit.html", {"form": form, "tab": "me"})


@login_required
@require_POST
def avatar_upload(request):
    form = forms.AvatarForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["avatar"]
        attempt(
            request,
            lambda: services.avatar_set(user=request.user, upload=upload),
            success=_("Avatar updated."),
        )
    else:
        messages.error(request, _("Choose an image to upload."))
    return redirect("accounts:profile_edit")


@login_required
def public_id_edit(request):
    form = forms.PublicIdForm(request.POST or None, initial={"public_id": request.user.public_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.public_id_change(user=request.user, public_id=form.cleaned_data["public_id"])
        except DomainError as exc:
            form.add_error("public_id", exc.message)
        else:
            messages.success(request, _("Your ID is now %(id)s.") % {"id": request.user.public_id})
            return redirect("accounts:profile_edit")
    return render(request, "accounts/public_id.html", {"form": form, "tab": "me"})


@login_required
def settings_view(request):
    initial = {"language": request.user.language or translation.get_language()}
    form = forms.SettingsForm(request.POST or None, instance=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.settings_update(user=request.user, **form.cleaned_data)
        translation.activate(request.user.language)
        messages.success(request, _("Settings saved."))
        return _set_language(redirect("accounts:settings"), request.user.language)
    return render(request, "accounts/settings.html", {"form": form, "tab": "me"})


@login_required
def blocked_list(request):
    return render(
        request, "accounts/blocked.html", {"blocks": selectors.blocked_by(request.user), "tab": "me"}
    )


@login_required
@require_POST
def block_lift(request, block_id: int):
    """Unblock from the blocked list (by its row: a stranger blocked from a bottle chat has no ID shown)."""
    try:
        person = services.block_lift(actor=request.user, block_id=block_id)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, _("%(name)s is unblocked.") % {"name": person.display_name})
    return redirect("accounts:blocked")


# --- My QR code ----------------------------------------------------------------------------------


def _my_qr_url(request, user: User) -> str:
    token = tokens.sign(QR_KIND, {"u": user.pk, "v": user.qr_version})
    return request.build_absolute_uri(reverse("accounts:qr_open", args=[token]))


@login_required
def my_qr(request):
    return render(request, "accounts/my_qr.html", {"qr_url": _my_qr_url(request, request.user), "tab": "me"})


@login_required
def my_qr_image(request, fmt: str):
    if fmt not in {"svg", "png"}:
        raise Http404
    return qr.qr_response(_my_qr_url(request, request.user), fmt)


@login_required
@require_POST
def my_qr_reset(request):
    services.qr_reset(user=request.user)
    messages.success(request, _("Your QR code was reset. Old copies no longer work."))
    return redirect("accounts:my_qr")


@login_required
def qr_open(request, token: str):
    """Where a scanned personal QR code lands: the person's profile, ready to add."""
    try:
        payload = tokens.unsign(QR_KIND, token)
        person = User.objects.get(pk=payload["u"], is_active=True, qr_version=payload["v"])
        if not person.addable_by_qr and person != request.user:
            raise DomainError(_("This person can't be added by QR code."))
        person = selectors.access_person(viewer=request.user, public_id=person.public_id)
    except (DomainError, User.DoesNotExist, KeyError):
        messages.error(request, _("This QR code is no longer valid. Ask for a fresh one."))
        return redirect("core:scan")
    return redirect(reverse("accounts:profile", args=[person.public_id]) + "?via=qr")


# --- Contacts ------------------------------------------------------------------------------------


@login_required
def contacts(request):
    groups = selectors.contacts_of(request.user)
    context = {
        "groups": groups,
        "friend_count": sum(len(people) for _letter, people in groups),
        "contact_entries": discover.entries("contacts"),
        "tab": "contacts",
    }
    return render(request, "accounts/contacts.html", context)


@login_required
def new_friends(request):
    context = {
        "requests": selectors.pending_requests_for(request.user),
        "suggestions": selectors.people_you_may_know(request.user),
        "tab": "contacts",
    }
    return render(request, "accounts/new_friends.html", context)


@login_required
def add_friend(request):
    form = forms.SearchForm(request.GET or None)
    result, searched = None, False
    if form.is_valid() and form.cleaned_data["q"]:
        searched = True
        limit, window = settings.SEARCH_LIMIT
        if ratelimit.hit(f"search:{request.user.pk}", limit=limit, window=window).allowed:
            result = selectors.search_by_id(viewer=request.user, query=form.cleaned_data["q"])
        else:
            messages.error(request, _("You're searching too often. Please wait a minute."))
    return render(
        request,
        "accounts/add_friend.html",
        {"form": form, "result": result, "searched": searched, "tab": "contacts"},
    )


@login_required
def profile(request, public_id: str):
    person = _person_or_404(request.user, public_id)
    via = request.GET.get("via", "profile")
    context = {
        "person": person,
        "rel": selectors.relationship(request.user, person),
        "request_form": forms.FriendRequestForm(
            initial={"message": _("I'm %(name)s") % {"name": request.user.display_name}, "source": via}
        ),
        "via": via,
        "profile_actions": discover.entries("profile"),
        "tab": "contacts",
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def friend_request(request, public_id: str):
    person = _person_or_404(request.user, public_id)
    form = forms.FriendRequestForm(request.POST)
    if form.is_valid():
        ok, sent = attempt(
            request,
            lambda: services.friend_request_send(
                sender=request.user,
                recipient=person,
                message=form.cleaned_data["message"],
                source=form.cleaned_data["source"] or FriendRequest.Source.PROFILE,
            ),
        )
        if ok and sent.status == FriendRequest.Status.ACCEPTED:  # they had already asked us
            messages.success(request, _("You and %(name)s are now friends.") % {"name": person.display_name})
        elif ok:
            messages.success(request, _("Friend request sent."))
    return _back_to_profile(person)


@login_required
@require_POST
def request_accept(request, request_id: int):
    form = forms.AcceptForm(request.POST)
    remark = form.cleaned_data["remark"] if form.is_valid() else ""
    ok, accepted = attempt(
        request,
        lambda: services.friend_request_accept(actor=request.user, request_id=request_id, remark=remark),
    )
    if ok:  # straight into the new chat, where the greeting line waits, as in WeChat
        return redirect("chat:direct", accepted.from_user.public_id)
    return redirect("accounts:new_friends")


@login_required
@require_POST
def request_decline(request, request_id: int):
    attempt(request, lambda: services.friend_request_decline(actor=request.user, request_id=request_id))
    return redirect("accounts:new_friends")


@login_required
@require_POST
def remark(request, public_id: str):
    person = _person_or_404(request.user, public_id)
    form = forms.RemarkForm(request.POST)
    if form.is_valid():
        text = form.cleaned_data["remark"]
        attempt(
            request,
            lambda: services.remark_set(owner=request.user, friend=person, remark=text),
            success=_("Remark saved."),
        )
    return _back_to_profile(person)


@login_required
@require_POST
def remove_friend(request, public_id: str):
    person = _person_or_404(request.user, public_id)
    services.friend_remove(actor=request.user, friend=person)
    messages.success(request, _("%(name)s was removed from your contacts.") % {"name": person.display_name})
    return redirect("accounts:contacts")


@login_required
@require_POST
def block(request, public_id: str):
    person = _person_or_404(request.user, public_id)
    attempt(
        request,
        lambda: services.user_block(actor=request.user, target=person),
        success=_("%(name)s is blocked.") % {"name": person.display_name},
    )
    return _back_to_profile(person)


@login_required
@require_POST
def unblock(request, public_id: str):
    person = _person_or_404(request.user, public_id)
    services.user_unblock(actor=request.user, target=person)
    messages.success(request, _("%(name)s is unblocked.") % {"name": person.display_name})
    return _back_to_profile(person)
