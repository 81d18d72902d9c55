"""The site's URLs plus this lane's Weibo modules, until the lead mounts apps/microblog/urls.py (lane P's)."""

from django.urls import include, path

from apps.microblog import urls_people, urls_topics
from socialdemo.urls import urlpatterns as site

urlpatterns = [
    path("weibo/", include(([*urls_topics.urlpatterns, *urls_people.urlpatterns], "microblog"))),
    *site,
]
