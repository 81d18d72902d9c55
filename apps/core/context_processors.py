from django.conf import settings

from apps.core import badges


def shell(request):
    """What the phone shell needs on every page: tab badges and demo mode."""
    user = getattr(request, "user", None)
    counts = badges.counts_for(user) if user is not None and user.is_authenticated else {}
    return {"badge_counts": counts, "DEMO_MODE": settings.DEMO_MODE}
