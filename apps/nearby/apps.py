from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Plain registries, no models: safe at import time (the app's own modules import in ready()).
from apps.core import discover, periodic


class NearbyConfig(AppConfig):
    name = "apps.nearby"
    label = "nearby"
    verbose_name = _("People Nearby")

    def ready(self):
        from . import services

        discover.register(discover.Entry("nearby", _("People Nearby"), "nearby:home", "group", order=40))
        # Lapsed visibility is deleted, not just hidden: no old cells kept.
        periodic.register("nearby.sweep", services.presence_sweep, every=60)
