from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MicroblogConfig(AppConfig):
    name = "apps.microblog"
    label = "microblog"
    verbose_name = _("Weibo")
