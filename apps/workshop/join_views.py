"""Joining by the console's code (anyone, DEMO_MODE only), the code's controls (hosts) and keeping a quick
account (setting its first password). Thin: every rule is in apps.workshop.joining."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import qr, ratelimit
from apps.core.errors import DomainError, RateLimited
from apps.core.web import attempt

from . import access, joining, reset


def _landing(group):
    return (
        redirect("chat:thread", pk=group.pk) if group is not None else redirect(settings.LOGIN_REDIRECT_URL)
    )


@access.demo_only
def join(request, token: str):
    """The page the console's code opens: a name, and in (or, logged in already, one button)."""
    try:
        joining.code_check(token)
    except DomainError as exc:
        return render(
            request,
            "workshop/join_refused.html",
            {"reason": exc.message, "code": exc.code},
            status=410 if exc.code in ("closed", "renewed") else 404,
        )
    name, error = "", None
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            if request.user.is_authenticated:
                group = joining.join_as(user=request.user, token=token)
            else:
                user, group = joining.join(
                    token=token,
                    name=name,
                    address=ratelimit.client_address(request),
                    language=get_language() or "",
                )
                # Logged in directly: a quick account has no password to check.
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        except RateLimited as exc:
            return render(
                request, "workshop/join_refused.html", {"reason": exc.message, "code": exc.code}, status=429
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("Welcome, %(name)s! You're in the workshop group.") % {"name": request.user.display_name},
            )
            return _landing(group)
    context = {"token": token, "name": name, "error": error, "name_max": joining.NAME_MAX}
    return render(request, "workshop/join.html", context, status=400 if error else 200)


@access.host_only
def join_qr(request):
    """The console's big code, as SVG."""
    code = joining.join_code()
    url = request.build_absolute_uri(reverse("workshop:join", args=[joining.token_for(code)]))
    return qr.qr_response(url, "svg")


@access.host_only
@require_POST
def join_code(request):
    """Close, open or renew the join code."""
    action = request.POST.get("action", "")
    done = {
        "close": _("Joining is closed."),
        "open": _("Joining is open."),
        "renew": _("A new code is shown: the old one no longer works."),
    }
    attempt(request, lambda: joining.code_change(actor=request.user, action=action), success=done.get(action))
    return redirect("workshop:console")


@access.demo_only
@login_required
def keep(request):
    """Keep a quick account after the workshop: choose its first password (then log in with its login name)."""
    if request.user.has_usable_password():
        return redirect("accounts:password_change")
    form = SetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(
            request,
            _("Your account is kept. Log in with %(login)s and your password.")
            % {"login": request.user.username},
        )
        return redirect("accounts:me")
    return render(request, "workshop/join_keep.html", {"form": form})


def console_panel(request) -> dict:
    """The console's join panel: the code (open or not), its URL and the count so far."""
    code = joining.join_code()
    url = request.build_absolute_uri(reverse("workshop:join", args=[joining.token_for(code)]))
    loopback = request.get_host().rsplit(":", 1)[0].strip("[]") in ("127.0.0.1", "localhost", "::1")
    return {
        "join": {
            "loopback": loopback,  # the code would point phones at themselves: say how to serve the room
            "is_open": code.is_open,
            "version": code.version,
            "url": url,
            "count": joining.attendees_count(),
        }
    }


@access.host_only
def reset_page(request):
    """The reset's confirmation (keep or remove the attendees) and, while it runs, its progress (the page's
    script draws each step the consoles are sent; without it, the console's message says the time taken)."""
    if request.method == "POST":
        keep = request.POST.get("attendees") != "remove"
        ok, result = attempt(request, lambda: reset.reset(actor=request.user, keep_attendees=keep))
        if ok:
            seconds, me = result
            if (
                me is not None and me.pk != request.user.pk
            ):  # the cast is made anew: log the presenter in again
                login(request, me, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(
                request, _("The sample data is back (%(seconds)s s).") % {"seconds": f"{seconds:.1f}"}
            )
        return redirect("workshop:console")
    return render(request, "workshop/join_reset.html", {"attendees": joining.attendees_count()})
