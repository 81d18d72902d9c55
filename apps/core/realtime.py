"""What a tab may ask over its websocket: apps register handlers by message type.

A handler is a plain sync function `handler(*, user, data) -> dict`; it runs in a worker thread,
raises DomainError for anything a person did wrong, and its return value is the ack's data. Handlers parse
ids with `object_id` / `sequence_number`. Also here: how open sockets follow their session
(`sessions_changed`, used by the consumer in apps.core.consumers).
"""

import secrets
from collections.abc import Callable
from datetime import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from apps.core import events
from apps.core.errors import DomainError, NotFound

Handler = Callable[..., dict[str, Any] | None]
_handlers: dict[str, Handler] = {}
_connect_hooks: list[Callable[..., None]] = []
_disconnect_hooks: list[Callable[..., None]] = []
_pages: set[str] = set()
_page_kinds: set[str] = set()
MAX_PAGES_PER_TAB = 200  # live pages one tab may have joined at once (each is a group membership)


def on(message_type: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler for `message_type`."""

    def register(func: Handler) -> Handler:
        if message_type in _handlers:
            raise ValueError(f"Two handlers for websocket message {message_type!r}")
        _handlers[message_type] = func
        return func

    return register


def handler_for(message_type: str) -> Handler | None:
    return _handlers.get(message_type)


def on_connect(func):
    """Register `func(*, user)` to run when one of a person's tabs connects (presence, say)."""
    _connect_hooks.append(func)
    return func


def on_disconnect(func):
    _disconnect_hooks.append(func)
    return func


def page(name: str) -> None:
    """Let any logged-in tab join live page `name` (one everybody sees alike, e.g. "weibo.hot") by sending
    `{"type": "join", "data": {"page": name}}`; `events.publish_to_page(page=name, ...)` then reaches it."""
    _pages.add(name)


def object_pages(kind: str) -> None:
    """Let any logged-in tab join live pages `<kind>.<id>`, one per object it shows (e.g. "weibo.post.42" for
    every tab showing post 42), and leave them (`{"type": "leave", ...}`); at most MAX_PAGES_PER_TAB at once.
    Only for what anybody logged in may see of that object: the id is not checked against the person."""
    _page_kinds.add(kind)


def object_page(kind: str, object_id: int) -> str:
    """The live page of one object (see `object_pages`)."""
    return f"{kind}.{object_id}"


def is_page(name) -> bool:
    if not isinstance(name, str):
        return False
    if name in _pages:
        return True
    kind, _dot, key = name.rpartition(".")
    # The canonical digits of a positive id only: "007" or "+7" would be a second group for the same object.
    return kind in _page_kinds and key.isascii() and key.isdigit() and len(key) < 20 and key[0] != "0"


def connect_hooks():
    return list(_connect_hooks)


def disconnect_hooks():
    return list(_disconnect_hooks)


# --- Ids in websocket data ----------------------------------------------------------------------------

MAX_ID = 2**63 - 1  # the largest primary key any of our databases stores (64-bit signed)


def object_id(value) -> int:
    """An object id from websocket data (a positive integer or its digits); NotFound for anything else.

    Beyond 64 bits a database cannot even compare it (SQLite raises OverflowError), so such an id is
    treated like any other id that names nothing.
    """
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        value = int(value)
    if type(value) is not int or not 0 < value <= MAX_ID:
        raise NotFound()
    return value


def sequence_number(value) -> int:
    """A position in a conversation (a seq, 0 for "from the start") from websocket data; else a clear error."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        value = int(value)
    if type(value) is not int or not 0 <= value <= MAX_ID:
        raise DomainError(_("That request could not be read."), code="malformed")
    return value


# --- Sessions behind open sockets ---------------------------------------------------------------------

SESSION_CHECK = "session.check"  # the consumer method a session change wakes (apps.core.consumers)


def sessions_changed(*user_ids: int, ended_session: str | None = None) -> None:
    """Make every open tab of `user_ids`, on every worker, re-check its session once this commits.

    Call after anything that may end a person's sessions without deleting them: a password change, a
    deactivation (a change of password or `is_active` saved on the user is noticed by itself, see
    `user_saved`). Logout names the session it ends in `ended_session`: Django announces a logout before
    it deletes the session, so those tabs close without looking. A tab whose session no longer holds is
    closed with code 4401 and sent to the login page.
    """
    if ended_session:
        # At once, not after a commit: a logout is announced just before its session is deleted. Only
        # that session ends; the person's other sessions need no second look.
        cache.set(_ended_key(ended_session), True, MARK_SECONDS)
        events.tell_tabs(user_ids=user_ids, kind=SESSION_CHECK, ended=[ended_session])
        return
    transaction.on_commit(
        lambda: cache.set_many({_generation_key(u): secrets.token_hex(8) for u in user_ids}, MARK_SECONDS),
        robust=True,
    )
    events.tell_tabs(user_ids=user_ids, kind=SESSION_CHECK)


# Marks in the shared cache (Redis across workers) that let every action check its session cheaply: the
# word to the tabs (above) closes them within moments, and these stop an action that gets in first.
MARK_SECONDS = 24 * 3600


def _generation_key(user_id: int) -> str:
    return f"realtime.sessions:{user_id}"


def _ended_key(session_key: str | None) -> str:
    return f"realtime.ended:{session_key}"


def session_marks(user_id: int, session_key: str | None) -> tuple[str | None, bool]:
    """(the person's session generation, whether this session was logged out): one cache round trip."""
    found = cache.get_many([_generation_key(user_id), _ended_key(session_key)])
    return found.get(_generation_key(user_id)), bool(found.get(_ended_key(session_key)))


def logged_out(sender, request, user, **kwargs) -> None:
    """Django's `user_logged_out`: close the tabs of the session being ended (see apps.core.apps)."""
    if user is not None and getattr(request, "session", None) is not None:
        sessions_changed(user.pk, ended_session=request.session.session_key)


def user_saving(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save of the user model: remember what sessions depend on (the password's hash, `is_active`)."""
    if instance.pk is None or (
        update_fields is not None and not {"password", "is_active"} & set(update_fields)
    ):
        return
    instance._sessions_before = (
        type(instance)._default_manager.filter(pk=instance.pk).values_list("password", "is_active").first()
    )


def user_saved(sender, instance, created=False, **kwargs) -> None:
    """post_save of the user model: a new password or a deactivation re-checks every open tab."""
    before = instance.__dict__.pop("_sessions_before", None)
    if before is not None and before != (instance.password, instance.is_active):
        sessions_changed(instance.pk)


def _session_store(session_key: str | None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def session_user(*, user_id: int, session_key: str | None):
    """The session's person, fresh from the database, while the session still holds; else None.

    It holds as Django's own authentication decides at every HTTP request: the session exists and has not
    expired, names this person, the person is active, and the session's password hash still matches (a
    password change elsewhere ends it).
    """
    if not session_key:
        return None
    data = _session_store(session_key).load()  # {} once deleted (logout) or expired
    if data.get(SESSION_KEY) != str(user_id):
        return None
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    if not constant_time_compare(data.get(HASH_SESSION_KEY) or "", user.get_session_auth_hash()):
        return None
    return user


def session_expiry(session_key: str | None) -> datetime | None:
    """When the session expires, as its engine stores it (None if it is already gone)."""
    store = _session_store(session_key)
    if hasattr(store, "get_model_class"):  # database-backed: the row's expiry is what counts
        return (
            store.get_model_class()
            .objects.filter(session_key=session_key)
            .values_list("expire_date", flat=True)
            .first()
        )
    return store.get_expiry_date() if store.load() else None


def seconds_until(moment: datetime) -> float:
    """Seconds from now until `moment`, on the clock Django's sessions expire by.

    Sessions expire on real time (Django compares their expiry with `timezone.now()` at every request),
    not on the demo's time machine (apps.core.clock): judging them by the shifted clock would close
    sockets whose HTTP session is still valid, and the tab would loop between the login page and back.
    """
    return (moment - timezone.now()).total_seconds()
