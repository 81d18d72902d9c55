"""Weibo's URLs under /weibo/. Lanes C (comments, notifications) and T (topics, people) own their url
modules; each is included here once it exists in the tree."""

from importlib.util import find_spec

from django.urls import include, path

from apps.microblog.views import posts

app_name = "microblog"

urlpatterns = [
    path("", posts.home, name="home"),
    path("square/", posts.square, name="square"),
    path("feed/<str:tab>/", posts.feed, name="feed"),
    path("compose/", posts.compose, name="compose"),
    path("posts/<id:pk>/", posts.detail, name="post"),
    path("posts/<id:pk>/repost/", posts.repost, name="repost"),
    path("posts/<id:pk>/delete", posts.delete, name="delete"),
]

# The other lanes' modules, merged by the lead: a missing one adds no URLs rather than failing every page.
for _module in ("apps.microblog.urls_comments", "apps.microblog.urls_topics", "apps.microblog.urls_people"):
    if find_spec(_module) is not None:
        urlpatterns.append(path("", include(_module)))
