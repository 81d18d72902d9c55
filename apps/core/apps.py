from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_save, pre_save

        from . import converters, realtime  # converters registers the <id:...> URL converter

        del converters
        # Open websockets follow their session: logout, a new password and deactivation close them.
        user_logged_out.connect(realtime.logged_out, dispatch_uid="realtime.logged_out")
        pre_save.connect(
            realtime.user_saving, sender=settings.AUTH_USER_MODEL, dispatch_uid="realtime.saving"
        )
        post_save.connect(realtime.user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="realtime.saved")
