from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

# Plain registries, no models: safe at import time (the app's own modules import in ready()).
from apps.core import badges, discover, periodic, realtime, share


class MicroblogConfig(AppConfig):
    name = "apps.microblog"
    label = "microblog"
    verbose_name = _("Weibo")

    def ready(self):
        from .services import follows, notifications, posts, topics
        from .views import live  # noqa: F401 - registers the websocket handler

        discover.register(discover.Entry("weibo", _("Weibo"), "microblog:home", "weibo", order=20))
        # Other features' pages can offer "Share to Weibo": the composer opens with their text, unposted.
        share.register(share.Target("weibo", _("Share to Weibo"), "microblog:compose"))
        # Unread Weibo notifications count on the Discover tab...
        badges.register("discover", notifications.UNREAD)
        # ... and on the Weibo entry of the Discover page (counted once for both).
        badges.register("weibo", notifications.UNREAD)
        # Hot search: recomputed once a minute by one worker; the open list page hears each new list.
        periodic.register("weibo.hot_search", topics.hot_search_refresh, every=60)
        realtime.page(topics.HOT_PAGE)
        # Each post's counts reach the tabs showing it (its cards, its page, reposts embedding it).
        realtime.object_pages(posts.POST_PAGE)
        # The square's "N new posts" pill hears every new post; a topic's and a person's pills hear theirs.
        realtime.page(posts.SQUARE_PAGE)
        realtime.object_pages(posts.TOPIC_PAGE)
        realtime.object_pages(posts.PERSON_PAGE)
        # A block ends follows both ways (accounts knows nothing of Weibo; it announces the Block row).
        post_save.connect(
            follows.follows_cut_by_block, sender="accounts.Block", dispatch_uid="weibo.follows_cut_by_block"
        )
