"""The built-in stickers (drawn for this project, in static/img/stickers/)."""

from django.utils.translation import gettext_lazy as _

STICKERS = {
    "smile": _("Smile"),
    "laugh": _("LOL"),
    "love": _("Love"),
    "thumbs": _("Thumbs up"),
    "cry": _("Cry"),
    "wow": _("Wow"),
    "angry": _("Angry"),
    "party": _("Party"),
    "ok": _("OK"),
    "bye": _("Bye"),
    "coffee": _("Coffee"),
    "rose": _("Rose"),
}
