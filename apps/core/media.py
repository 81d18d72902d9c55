"""Who may read an uploaded file: a feature guards its own folder (chat images: members only)."""

from collections.abc import Callable

_guards: dict[str, Callable] = {}


def guard(folder: str, can_read: Callable) -> None:
    """Serve files under `folder/` only to people for whom `can_read(user, path)` is true."""
    _guards[folder.rstrip("/") + "/"] = can_read


def may_read(user, path: str) -> tuple[bool, bool]:
    """(allowed, private): private files must not be cached by shared caches."""
    for folder, can_read in _guards.items():
        if path.startswith(folder):
            return bool(user.is_authenticated and can_read(user, path)), True
    return True, False
