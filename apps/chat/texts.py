"""Grey system lines, stored as an event key + params and shown in each reader's language."""

from django.utils.translation import gettext_lazy as _

# Keep these in step with SYSTEM in static/js/chat.js (the client renders live lines itself).
SYSTEM_TEXTS = {
    "created": _("%(actor)s created the group chat"),
    "invited": _("%(actor)s invited %(names)s to the group chat"),
    "joined_by_code": _("%(names)s joined the group chat by scanning %(actor)s's QR code"),
    "removed": _("%(actor)s removed %(names)s from the group chat"),
    "left": _("%(actor)s left the group chat"),
    "renamed": _('%(actor)s changed the group name to "%(name)s"'),
    "announcement": _("%(actor)s updated the group announcement"),
    "owner": _("%(names)s is now the group owner"),
    "admin": _("%(names)s is now a group admin"),
    "friends": _("You are now friends. Say hello!"),
    # Each reader sees the other's name (static/js/chat.js); this neutral line is for everyone else.
    "friend_added": _("You are now friends. Start chatting now!"),
    # A drift bottle's reply opens its chat with the bottle's words; either person may end it.
    "bottle": _("%(actor)s's drift bottle: %(text)s"),
    "bottle_ended": _("%(actor)s ended this bottle chat"),
}

# Lines for one reader only (apps.chat.models.Notice), written from that reader's side; keep in step with
# NOTICES in static/js/chat.js.
NOTICE_TEXTS = {
    "packet_grabbed": _("You opened %(name)s's red packet"),
    "packet_opened": _("%(name)s opened your red packet"),
    "packet_opened_own": _("You opened your own red packet"),
    "packet_emptied": _("Your red packet has been fully claimed"),
}


def system_text(payload: dict, fallback: str = "", *, texts: dict = SYSTEM_TEXTS) -> str:
    """The system line (or with `texts=NOTICE_TEXTS`, the notice) for `payload` in the active language."""
    key = payload.get("event") if isinstance(payload, dict) else None
    template = texts.get(key or "")
    if template is None:
        return fallback
    joiner = str(_(", "))
    params = {
        k: joiner.join(map(str, v)) if isinstance(v, list) else str(v)
        for k, v in (payload.get("params") or {}).items()
    }
    try:
        return str(template) % params
    except (KeyError, ValueError, TypeError):
        return fallback
