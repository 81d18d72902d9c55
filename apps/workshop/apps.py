from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopConfig(AppConfig):
    """Workshop mode: the presenter's console and tools. Reachable only with settings.DEMO_MODE on."""

    name = "apps.workshop"
    label = "workshop"
    verbose_name = _("Workshop")
