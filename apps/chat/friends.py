"""New friends meet in their chat: accepting a request opens it with WeChat's line, for both of them."""

from apps.chat import services


def greet_new_friends(sender, *, accepter, requester, **kwargs):
    """apps.accounts.signals.friends_made: the 1:1 chat with "You have added X as a friend. Start chatting
    now!", X being the other person for each reader (chat.js picks the name by reader; other readers, such
    as the chat list's preview, get the neutral text in apps.chat.texts)."""
    conversation = services.conversation_direct_get_or_create(a=accepter, b=requester)
    services.message_post_system(
        conversation=conversation,
        event="friend_added",
        params={"names": {str(accepter.pk): str(requester), str(requester.pk): str(accepter)}},
    )
