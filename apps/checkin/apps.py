from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core import discover, realtime


class CheckinConfig(AppConfig):
    name = "apps.checkin"
    label = "checkin"
    verbose_name = _("Check-in")

    def ready(self):
        discover.register(discover.Entry("checkin", _("Check-in"), "checkin:mine", "scan", order=45))
        # The kiosk screen of venue <id> hears each check-in (count and avatar) on "checkin.venue.<id>".
        realtime.object_pages("checkin.venue")
