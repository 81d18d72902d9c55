"""Actions in the chat composer's "+" panel, added by other apps (wallet: Red packet, Transfer).

    composer.register(composer.Action("red_packet", _("Red packet"), "wallet:packet_new", "redpacket",
                                      script="js/wallet.js"))

The action's URL takes the conversation's pk; `where` limits it to "group" or "direct" chats;
`script` is a static JS file the thread page loads for the app's cards.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    key: str
    label: object  # lazy translation
    url_name: str  # reversed with the conversation pk
    icon: str  # a symbol in static/img/icons.svg
    order: int = 100
    where: str = "any"  # "any", "group" or "direct"
    script: str = ""
    style: str = ""


_actions: list[Action] = []


def register(action: Action) -> None:
    if all(a.key != action.key for a in _actions):
        _actions.append(action)


def actions_for(conversation) -> list[Action]:
    if conversation.bottle:  # strangers from the sea: no money changes hands
        return []
    kind = "group" if conversation.is_group else "direct"
    return sorted((a for a in _actions if a.where in ("any", kind)), key=lambda a: a.order)


def assets() -> tuple[list[str], list[str]]:
    """(scripts, styles) the thread page includes for the registered actions' cards."""
    scripts = sorted({a.script for a in _actions if a.script})
    styles = sorted({a.style for a in _actions if a.style})
    return scripts, styles
