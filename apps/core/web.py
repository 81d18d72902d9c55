"""Helpers for thin views."""

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages

from apps.core.errors import DomainError

T = TypeVar("T")


def attempt(request, action: Callable[[], T], *, success: str | None = None) -> tuple[bool, T | None]:
    """Run one service call; show its DomainError as an error message, or `success` when it worked."""
    try:
        result = action()
    except DomainError as exc:
        messages.error(request, exc.message)
        return False, None
    if success:
        messages.success(request, success)
    return True, result
