"""Drift bottles' "About this feature" card (apps.core.explainers)."""

from django.utils.translation import gettext_lazy as _

from apps.core.explainers import Explainer, Fact, register

register(
    Explainer(
        key="bottles",
        short=_("Drift bottles"),
        title=_("Drift Bottle (WeChat)"),
        how=_(
            "Write a short message, throw it into a shared virtual sea, and a stranger picks it up and may "
            "answer; unanswered bottles drift back, and after a while they wash away."
        ),
        facts=(
            Fact(
                _(
                    "WeChat's Drift Bottle lets you type a short message and send it to the open virtual sea for "
                    "someone else to find and read."
                ),
                "village",
            ),
            Fact(
                _(
                    "People in China use social media for their families, relationships and daily lives "
                    "rather than for political opinions."
                ),
                "anshan",
            ),
        ),
        order=30,
    )
)
