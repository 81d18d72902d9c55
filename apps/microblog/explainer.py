"""Weibo's "About this feature" card (apps.core.explainers)."""

from django.utils.translation import gettext_lazy as _

from apps.core.explainers import Explainer, Fact, register

register(
    Explainer(
        key="weibo",
        short=_("Weibo"),
        title=_("Weibo: China's microblogs"),
        how=_(
            "Short public posts with pictures, reposts, threaded comments and #topics#; the hot-search list "
            "shows what many people are posting about right now."
        ),
        facts=(
            Fact(
                _(
                    "China's government blocks Facebook, Twitter and YouTube, so home-made social networks "
                    "have taken off."
                ),
                "workshop",
            ),
            Fact(
                _(
                    "Four portals set up microblogs: Sina, Tencent, Sohu and Netease. Sina has the largest "
                    "user base, thanks to its early entry."
                ),
                "diversity",
            ),
            Fact(
                _(
                    "Sina Weibo improved on Twitter's user experience with threaded conversations and "
                    "topic-based groups."
                ),
                "workshop",
            ),
            Fact(
                _(
                    "Sina Weibo has fewer users than WeChat and QQ, yet it is the most popular Chinese network "
                    "outside China."
                ),
                "village",
            ),
        ),
        order=20,
    )
)
