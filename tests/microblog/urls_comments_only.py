"""The site's URLs plus lane C's under "weibo/" in the app's namespace, as apps/microblog/urls.py will
include them (`path("", include("apps.microblog.urls_comments"))`): used until that file exists here."""

from django.urls import include, path

from socialdemo.urls import urlpatterns as site

urlpatterns = [path("weibo/", include(("apps.microblog.urls_comments", "microblog"))), *site]
