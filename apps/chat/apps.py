from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Plain registries and a Signal, no models: safe at import time (the app's own modules import in ready()).
from apps.accounts.signals import friends_made
from apps.core import badges, discover, media


class ChatConfig(AppConfig):
    name = "apps.chat"
    label = "chat"
    verbose_name = _("Chats")

    def ready(self):
        from . import friends, handlers, selectors  # noqa: F401 - registers websocket handlers

        friends_made.connect(friends.greet_new_friends, dispatch_uid="chat.greet_new_friends")
        badges.register("chats", selectors.UNREAD_MESSAGES)
        media.guard("chat", selectors.can_read_image)
        discover.register(
            discover.Entry("message", _("Send message"), "chat:direct", "chats", order=10), page="profile"
        )
        discover.register(
            discover.Entry("groups", _("Group chats"), "chat:groups", "group", order=10), page="contacts"
        )
        discover.register(
            discover.Entry("join_code", _("Join a group by code"), "chat:join_code", "qr", order=11),
            page="contacts",
        )
