"""What chat reports to the presenter's console (apps.core.activity): messages sent, never their words."""

from django.utils.translation import gettext_lazy as _

from apps.core import activity

from .models import Message


def _messages():
    return Message.objects.exclude(kind=Message.SYSTEM).select_related("sender", "conversation")


def _describe(messages) -> list[dict]:
    lines = []
    for m in messages:
        conv = m.conversation
        if conv.kind == conv.Kind.GROUP:
            text = activity.line(
                "chat",
                m.created_at,
                _("%(who)s wrote in the group %(group)s"),
                who=m.sender,
                group=conv.name or "…",
            )
        else:
            text = activity.line("chat", m.created_at, _("%(who)s sent a private message"), who=m.sender)
        lines.append(text)
    return lines


activity.register(
    activity.Source(
        key="chat",
        label=_("Messages"),
        count=lambda: Message.objects.exclude(kind=Message.SYSTEM).count(),
        since=lambda cursor: activity.rows_since(_messages(), cursor, _describe),
        order=10,
        icon="chats",
    )
)
