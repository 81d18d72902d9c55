"""Chat's "About this feature" card (apps.core.explainers)."""

from django.utils.translation import gettext_lazy as _

from apps.core.explainers import Explainer, Fact, register

register(
    Explainer(
        key="chat",
        short=_("Chats"),
        title=_("Chats: WeChat and QQ messaging"),
        how=_(
            "One-to-one and group chats with text, stickers, photos, red packets and transfers, all in one app: "
            "WeChat and QQ are where people in China talk, at work and at home."
        ),
        facts=(
            Fact(_("QQ and WeChat are the most popular messaging services in China."), "anshan"),
            Fact(
                _(
                    "Tencent introduced the QQ instant messaging system in 1999, long before Facebook or "
                    "Twitter were heard of."
                ),
                "workshop",
            ),
            Fact(_("WeChat has 549m active users in China and 180m users outside of China."), "diversity"),
            Fact(
                _(
                    "Instant messaging lets people avoid e-mail for personal and work needs; in China people "
                    "believe in making friends with colleagues. WeChat is “WhatsApp on steroids”."
                ),
                "village",
            ),
        ),
        order=10,
    )
)
