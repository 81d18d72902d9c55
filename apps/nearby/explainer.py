"""People Nearby's and Shake's "About this feature" cards (apps.core.explainers)."""

from django.utils.translation import gettext_lazy as _

from apps.core.explainers import Explainer, Fact, register

register(
    Explainer(
        key="nearby",
        short=_("People Nearby"),
        title=_("People Nearby (WeChat)"),
        how=_(
            "People who choose to be seen are listed by rough distance; you can say hi with a friend request. "
            "Here only a cell of about 500 m is kept, never the exact position, and visibility lapses by itself."
        ),
        facts=(
            Fact(
                _(
                    "WeChat lets you see other users nearby, a feature that resembles dating apps such as Tinder "
                    "and Grindr."
                ),
                "village",
            ),
            Fact(
                _(
                    "Chinese people are reluctant to give accurate personal information online: businesses "
                    "sell it to third parties unlawfully."
                ),
                "diversity",
            ),
        ),
        order=40,
    )
)
register(
    Explainer(
        key="shake",
        short=_("Shake"),
        title=_("Shake (WeChat)"),
        how=_(
            "Shake your phone (or press the button) and you are matched with someone shaking at the same "
            "moment, and can start chatting."
        ),
        facts=(
            Fact(
                _(
                    "If you are feeling lonely, shake your smartphone and you become visible to people nearby "
                    "who don't mind chatting. It is especially popular with students."
                ),
                "village",
            ),
        ),
        order=41,
    )
)
