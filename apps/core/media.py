"""Who may read an uploaded file: a feature guards its own folder (chat images: members only).

Access is decided on the file a request resolves to, never on the raw path: a path that is not exactly
the file's own (dot segments, doubled or back slashes, symlinks) names no file at all.
"""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings

_guards: dict[str, Callable] = {}


def guard(folder: str, can_read: Callable) -> None:
    """Serve files under `folder/` only to people for whom `can_read(user, path)` is true."""
    _guards[folder.strip("/").casefold() + "/"] = can_read


def resolve(path: str) -> str | None:
    """Return `path` if it is the canonical name of a regular file under MEDIA_ROOT, else None."""
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        full = (root / path).resolve(strict=True)
        relative = full.relative_to(root).as_posix()
    except (OSError, RuntimeError, ValueError):  # missing, a symlink loop, a NUL, or outside MEDIA_ROOT
        return None
    # One spelling per file: dot segments, doubled or back slashes, absolute paths and symlinks all
    # resolve to a name other than the one asked for.
    if relative != path or not full.is_file():
        return None
    return relative


def may_read(user, path: str) -> tuple[bool, bool]:
    """(allowed, private) for a canonical `path` from `resolve()`: private files stay out of shared caches."""
    # Case-folded: on a case-insensitive disk "Chat/x.jpg" is the same file as "chat/x.jpg".
    folded = path.casefold()
    for folder, can_read in _guards.items():
        if folded.startswith(folder):
            return bool(user.is_authenticated and can_read(user, path)), True
    return True, False
