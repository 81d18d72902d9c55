from django.apps import AppConfig
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Chat's and the kernel's extension points are plain registries (no models), so they import here, at the top:
# the arrow points one way, the wallet plugs into chat; chat never imports wallet.
from apps.chat import cards, composer
from apps.core import discover, periodic

from .money import yuan  # plain functions, no models: safe while the app registry loads


def _money(fen) -> str:
    try:
        return yuan(int(fen))
    except (TypeError, ValueError):
        return ""


EXPIRY_SWEEP_SECONDS = 30


class WalletConfig(AppConfig):
    name = "apps.wallet"
    label = "wallet"
    verbose_name = _("Wallet")

    def ready(self):
        from .services import wallet_expire_due

        # Expiries are applied reliably here and in the actions that meet them; pages only show them.
        periodic.register("wallet.expire_due", wallet_expire_due, every=EXPIRY_SWEEP_SECONDS)
        discover.register(discover.Entry("wallet", _("Wallet"), "wallet:home", "wallet", order=20), page="me")
        discover.register(
            discover.Entry("transfer", _("Transfer"), "wallet:transfer_to", "wallet", order=30),
            page="profile",
        )
        composer.register(
            composer.Action(
                "red_packet",
                _("Red packet"),
                "wallet:packet_new",
                "redpacket",
                order=20,
                script="js/wallet.js",
                style="css/wallet.css",
            )
        )
        composer.register(
            composer.Action(
                "transfer",
                _("Transfer"),
                "wallet:transfer_in_chat",
                "transfer",
                order=30,
                where="direct",
                script="js/wallet.js",
                style="css/wallet.css",
            )
        )
        cards.register(
            "wallet_packet",
            template="wallet/_packet_card.html",
            preview=lambda payload: gettext("[Red Packet] %(note)s") % {"note": payload.get("note", "")},
        )
        cards.register(
            "wallet_transfer",
            template="wallet/_transfer_card.html",
            preview=lambda payload: (
                gettext("[Transfer] %(amount)s") % {"amount": _money(payload.get("amount"))}
            ),
        )
