"""Hot search and topic pages (included by apps/microblog/urls.py under the "microblog" namespace)."""

from django.urls import path

from apps.microblog.views import topics

urlpatterns = [
    path("hot/", topics.hot, name="hot"),
    path("t/<path:name>/", topics.topic, name="topic"),  # a topic's name may hold "/" and any script
    path("topic/<id:pk>/feed/", topics.topic_feed, name="topic_feed"),
    path("topic/<id:pk>/follow/", topics.topic_follow, name="topic_follow"),
    path("topic/<id:pk>/introduction/", topics.topic_introduction, name="topic_introduction"),
]
