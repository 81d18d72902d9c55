from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts and contacts")

    def ready(self):
        from apps.accounts import selectors
        from apps.core import badges, discover

        badges.register("contacts", selectors.pending_request_count)
        discover.register(discover.Entry("scan", _("Scan"), "core:scan", "scan", order=90))
