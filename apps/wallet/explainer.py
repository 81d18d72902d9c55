"""The wallet's "About this feature" card (apps.core.explainers)."""

from django.utils.translation import gettext_lazy as _

from apps.core.explainers import Explainer, Fact, register

register(
    Explainer(
        key="wallet",
        short=_("Wallet"),
        title=_("Wallet, transfers and red packets (WeChat Pay)"),
        how=_(
            "Money lives in the chat app: pay a shop by its QR code, transfer money to a friend, or put money "
            "in a red packet that a group grabs, each share a surprise. Here it is demo money only."
        ),
        facts=(
            Fact(
                _(
                    "Social networks in China have their own money, used to pay for almost anything, from "
                    "ordering pizza to a taxi, bills and tickets; it is even more popular than credit or debit "
                    "cards."
                ),
                "village",
            ),
            Fact(
                _(
                    "China's landscape innovates in video, engagement and payment, which evolved differently "
                    "and faster than anything in the West."
                ),
                "csm",
            ),
        ),
        order=50,
    )
)
