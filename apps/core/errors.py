"""Domain errors: raised by services, shown to people as a clear message."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A request that breaks a rule. `message` is shown to the person as it is."""

    code = "invalid"

    def __init__(self, message=None, *, code: str | None = None):
        self.message = message if message is not None else _("That can't be done.")
        if code:
            self.code = code
        super().__init__(str(self.message))


class NotFound(DomainError):
    """Missing or not yours: the same answer either way, so nothing leaks."""

    code = "not_found"

    def __init__(self, message=None):
        super().__init__(message or _("Not found."))


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message=None, *, retry_after: int = 0):
        self.retry_after = retry_after
        super().__init__(message or _("You're doing that too often. Please wait a moment."))
