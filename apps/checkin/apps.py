from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core import discover


class CheckinConfig(AppConfig):
    name = "apps.checkin"
    label = "checkin"
    verbose_name = _("Check-in")

    def ready(self):
        discover.register(discover.Entry("checkin", _("Check-in"), "checkin:mine", "scan", order=45))
