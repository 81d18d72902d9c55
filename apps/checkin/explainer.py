"""Check-in's "About this feature" card (apps.core.explainers)."""

from django.utils.translation import gettext_lazy as _

from apps.core.explainers import Explainer, Fact, register

register(
    Explainer(
        key="checkin",
        short=_("Check-in"),
        title=_("QR check-in and Shake nearby (WeChat)"),
        how=_(
            "A shop or an event shows a code; people scan it with WeChat, check in and get points, a coupon or a "
            "little cashback, and the brand counts its footfall. Near a shop's Bluetooth beacon, shaking the "
            "phone (摇一摇周边) brings up the shop's page and its coupon."
        ),
        facts=(
            Fact(
                _(
                    "WeChat has a built-in QR code reader and iBeacon support, so brands can run offline-to-online "
                    "(O2O) strategies and drive retail footfall."
                ),
                "diversity",
            ),
            Fact(
                _(
                    "O2O, Online to Offline (or sometimes Offline to Online), has been one of the hottest topics "
                    "in marketing in the last couple of years."
                ),
                "csm",
            ),
        ),
        order=65,
    )
)
