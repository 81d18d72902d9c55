from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Plain registries, no models: safe at import time (the app's own modules import in ready()).
from apps.core import badges, discover


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts and contacts")

    def ready(self):
        from . import selectors

        badges.register("contacts", selectors.PENDING_REQUESTS)
        discover.register(discover.Entry("scan", _("Scan"), "core:scan", "scan", order=90))
