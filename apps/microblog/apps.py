from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Plain registries, no models: safe at import time (the app's own modules import in ready()).
from apps.core import badges, discover


class MicroblogConfig(AppConfig):
    name = "apps.microblog"
    label = "microblog"
    verbose_name = _("Weibo")

    def ready(self):
        from apps.microblog.services import notifications

        discover.register(discover.Entry("weibo", _("Weibo"), "microblog:home", "weibo", order=20))
        # Unread Weibo notifications count on the Discover tab.
        badges.register("discover", notifications.unread_total)
