"""What Weibo reports to the presenter's console (apps.core.activity): public posts and the hot-search top 5."""

from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from apps.core import activity

from .models import Post
from .selectors.topics import hot_list


def _posts():
    return Post.objects.filter(deleted_at__isnull=True).select_related("author")


def _describe(posts) -> list[dict]:
    return [
        activity.line(
            "weibo",
            p.created_at,
            _("%(who)s posted on Weibo: %(text)s"),
            who=p.author,
            text=Truncator(p.text).chars(70) if p.text else "🖼",
        )
        for p in posts
    ]


def _top_five() -> list[dict]:
    return [
        {"text": activity.text("#%(name)s#", name=row.topic.name), "value": f"{row.heat:,}"}
        for row in hot_list()[:5]
    ]


activity.register(
    activity.Source(
        key="weibo",
        label=_("Weibo posts"),
        count=lambda: Post.objects.filter(deleted_at__isnull=True).count(),
        since=lambda cursor: activity.rows_since(_posts(), cursor, _describe),
        order=20,
        icon="weibo",
    )
)
activity.register(activity.Board(key="weibo.hot", label=_("Hot search"), read=_top_five, order=10))
