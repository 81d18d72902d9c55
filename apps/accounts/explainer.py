"""Scan's and My QR code's "About this feature" card (apps.core.explainers)."""

from django.utils.translation import gettext_lazy as _

from apps.core.explainers import Explainer, Fact, register

register(
    Explainer(
        key="scan",
        short=_("Scan"),
        title=_("QR codes and Scan (WeChat)"),
        how=_(
            "Every person, group and shop has a QR code; scanning one adds a friend, joins a group or pays, "
            "which links the street to the app."
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
                    "Chinese business executives prefer to connect with contacts face to face, which they see as "
                    "more sincere."
                ),
                "diversity",
            ),
        ),
        order=60,
    )
)
