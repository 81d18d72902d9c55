"""Pluggable message cards: other apps (wallet, bottles, check-in) post their own kinds of message.

A card is a message whose `kind` another app registered here, with a JSON `payload` that app owns.
The chat core stores it, orders it, delivers it, syncs it after a reconnect and shows it in the list;
the app supplies only how it looks and how it reads in the chat list.

How another app adds a card (say, the wallet's red packet)::

    # apps/wallet/apps.py (cards is a plain registry: import it at the top, register in ready()):
    # from apps.chat import cards

    class WalletConfig(AppConfig):
        def ready(self):
            cards.register(
                "red_packet",
                template="wallet/_red_packet_card.html",   # gets {"payload": ..., "message": ...}
                preview=lambda payload: _("[Red Packet] %(note)s") % {"note": payload["note"]},
            )

    # apps/wallet/services/ (at module level: from apps.chat import services as chat)

    message = chat.message_post_card(sender=user, conversation=conversation, kind="red_packet",
                                     payload={"packet": packet.pk, "note": note, "state": "open"},
                                     client_id=client_id)      # a retry with the same id is a no-op
    ...
    chat.message_card_update(message=message, payload={**message.payload, "state": "empty"})

The template is rendered ONCE per message version (not per viewer), so it must not depend on who is
looking: put per-viewer behaviour in the app's own page that the card links to, or in data-* attributes
for the app's JS. Its output is sent to every member as `html` and escaped like any template. Use
`get_conversation` / `access_conversation` in apps.chat.selectors to authorise, and `member_ids()`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


@dataclass(frozen=True)
class Card:
    kind: str
    template: str
    preview: Callable[[dict], str]
    forwardable: bool = False


_cards: dict[str, Card] = {}
BUILT_IN = {"text", "image", "sticker", "system", "pat"}


def register(kind: str, *, template: str, preview: Callable[[dict], str], forwardable: bool = False) -> None:
    """Make `kind` a card: `template` renders it (context: payload, message), `preview(payload)` lists it."""
    if kind in BUILT_IN:
        raise ValueError(f"{kind!r} is a built-in message kind")
    existing = _cards.get(kind)
    if existing and existing.template != template:
        raise ValueError(f"Two cards registered as {kind!r}")
    _cards[kind] = Card(kind, template, preview, forwardable)


def get(kind: str) -> Card | None:
    return _cards.get(kind)


def is_card(kind: str) -> bool:
    return kind in _cards


def render(message) -> str:
    """The card's HTML for `message` (viewer-independent; rendered once per message version)."""
    card = _cards.get(message.kind)
    if card is None:
        return ""
    return render_to_string(card.template, {"payload": message.payload, "message": message})


def preview(message) -> str:
    card = _cards.get(message.kind)
    if card is None:
        return ""
    try:
        return str(card.preview(message.payload))
    except Exception:  # a bad payload must not break the whole chat list
        return ""


def render_all(message) -> dict[str, str]:
    """The card's HTML in each site language: members read different languages, the card renders once each."""
    if message.kind not in _cards:
        return {}
    out = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            out[code] = render(message)
    return out
