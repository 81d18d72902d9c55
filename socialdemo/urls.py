"""Root URLs: each app owns its prefix."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("wallet/", include("apps.wallet.urls")),
    path("weibo/", include("apps.microblog.urls")),
    path("bottles/", include("apps.bottles.urls")),
    path("nearby/", include("apps.nearby.urls")),
    path("checkin/", include("apps.checkin.urls")),
    path("workshop/", include("apps.workshop.urls")),
    path("", include("apps.chat.urls")),
    path("", include("apps.core.urls")),
]
