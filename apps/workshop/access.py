"""Who reaches workshop mode: nobody unless settings.DEMO_MODE is on; then the demo hosts.

A demo host is staff, or a member of the group HOSTS (the seed puts the presenter, James, in it): a host
runs the console without becoming staff, who may log in to the admin. Every workshop view and websocket
handler asks here, so the rule is one place.
"""

from collections.abc import Callable
from functools import wraps
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user, get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404

from apps.core.errors import NotFound

HOSTS = "Workshop hosts"  # the auth group of the demo hosts


def enabled() -> bool:
    return bool(settings.DEMO_MODE)


def is_host(user) -> bool:
    """Whether `user` may run the workshop (console, time machine, scenes), DEMO_MODE aside."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_staff:
        return True
    cached = getattr(user, "_workshop_host", None)  # one query per request, however often it is asked
    if cached is None:
        cached = user._workshop_host = user.groups.filter(name=HOSTS).exists()
    return cached


def host_add(user) -> None:
    """Make `user` a demo host."""
    group, _created = Group.objects.get_or_create(name=HOSTS)
    user.groups.add(group)
    user.__dict__.pop("_workshop_host", None)


def hosts():
    """The demo hosts by group (the people attendees meet: the presenter), oldest first."""
    return get_user_model().objects.filter(groups__name=HOSTS, is_active=True).order_by("pk")


def demo_only(view: Callable) -> Callable:
    """A page that exists only in DEMO_MODE (404 otherwise), for anyone (e.g. joining by the code)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not enabled():
            raise Http404()
        return view(request, *args, **kwargs)

    return wrapped


def host_only(view: Callable) -> Callable:
    """A page for demo hosts in DEMO_MODE: 404 with it off, the login page for nobody logged in, 403 for others."""
    guarded = login_required(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not enabled():
            raise Http404()
        if request.user.is_authenticated and not is_host(request.user):
            raise PermissionDenied()
        return guarded(request, *args, **kwargs)

    return wrapped


def check_host(user) -> None:
    """For websocket handlers: NotFound unless DEMO_MODE is on and `user` is a demo host."""
    if not enabled() or not is_host(user):
        raise NotFound()


def host_of_session(session_key: str) -> int | None:
    """The id of the demo host logged in with the session `session_key` (a browser's main session), else None.

    As Django's own login check: the session must exist, name an active person and still match their password.
    """
    if not enabled() or not session_key:
        return None

    class _Request:  # what get_user() reads: the session
        session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)

    user = get_user(_Request)
    return user.pk if is_host(user) else None
