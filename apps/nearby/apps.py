from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Plain registries, no models: safe at import time (the app's own modules import in ready()).
from apps.core import discover, periodic


class NearbyConfig(AppConfig):
    name = "apps.nearby"
    label = "nearby"
    verbose_name = _("People Nearby")

    def ready(self):
        from . import handlers, services, shake  # noqa: F401 - registers the websocket handlers

        discover.register(discover.Entry("nearby", _("People Nearby"), "nearby:home", "group", order=40))
        discover.register(discover.Entry("shake", _("Shake"), "nearby:shake", "like", order=41))
        # Lapsed visibility is deleted, not just hidden: no old cells kept.
        periodic.register("nearby.sweep", services.presence_sweep, every=60)
        # Shakes: pair any left open by a lost lock race, then close those whose window ended ("nobody found").
        periodic.register("nearby.shakes", shake.shake_periodic, every=1)
        periodic.register("nearby.shake_history", shake.shakes_forget, every=3600)
