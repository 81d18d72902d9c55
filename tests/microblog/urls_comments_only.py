"""The site's URLs plus lane C's under "weibo/" in the app's namespace, as apps/microblog/urls.py will
include them (`path("", include("apps.microblog.urls_comments"))`), and an admin that has lane C's models
(apps/microblog/admin.py will import admin_comments): used until those files exist on this branch."""

from django.contrib import admin
from django.urls import include, path

from apps.microblog import admin_comments  # noqa: F401  (registers the models)
from socialdemo.urls import urlpatterns as site

urlpatterns = [
    path("weibo/", include(("apps.microblog.urls_comments", "microblog"))),
    path("admin/", admin.site.urls),
    *site,
]
