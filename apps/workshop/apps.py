from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.core import activity, periodic, realtime


class WorkshopConfig(AppConfig):
    """Workshop mode: the presenter's console and tools. Reachable only with settings.DEMO_MODE on."""

    name = "apps.workshop"
    label = "workshop"
    verbose_name = _("Workshop")

    def ready(self):
        from . import console, handlers  # noqa: F401 - registers the websocket handlers

        activity.autodiscover()  # every feature's apps/<app>/activity.py
        realtime.object_pages(console.PAGE_KIND)  # joined by number only, a secret (console.page_name)
        if settings.DEMO_MODE:  # (a lease a second is not worth taking where no console can open)
            # One cache read a second until a console is open.
            periodic.register("workshop.console", console.tick, every=1)
