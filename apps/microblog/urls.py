"""Weibo's URLs under /weibo/: posts and timelines here; comments, topics and people in their own modules
(which set no app_name: they share this namespace)."""

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

urlpatterns += [
    path("", include("apps.microblog.urls_comments")),
    path("", include("apps.microblog.urls_topics")),
    path("", include("apps.microblog.urls_people")),
]
