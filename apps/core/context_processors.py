from django.conf import settings
from django.utils.functional import SimpleLazyObject

from apps.core import badges


def shell(request):
    """What the phone shell needs on every page: tab badges and demo mode.

    The counts are worked out only when a page shows the tab bar, and not at all when its view passed
    its own `badge_counts` (the chat list knows its unread counts already).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"badge_counts": {}, "DEMO_MODE": settings.DEMO_MODE}
    return {
        "badge_counts": SimpleLazyObject(lambda: badges.counts_for(user)),
        "DEMO_MODE": settings.DEMO_MODE,
    }
