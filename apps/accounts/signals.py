"""What accounts tells the apps built on it (they connect in their AppConfig.ready; accounts imports none)."""

from django.dispatch import Signal

# Sent by services.friend_request_accept inside its transaction, with `accepter` and `requester`: the chat
# opens their conversation with WeChat's greeting line, in the same all-or-nothing step.
friends_made = Signal()
