from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Plain registries, no models: safe at import time (the app's own modules import in ready()).
from apps.core import discover, periodic


class BottlesConfig(AppConfig):
    name = "apps.bottles"
    label = "bottles"
    verbose_name = _("Drift bottles")

    def ready(self):
        from . import services

        discover.register(discover.Entry("bottles", _("Drift bottles"), "bottles:beach", "bottle", order=30))
        # Bottles left unanswered in someone's hands drift back; expired ones wash away.
        periodic.register("bottles.sweep", services.bottles_sweep, every=30)
