"""A person's Weibo page, following/fans lists, follow (included by apps/microblog/urls.py, "microblog")."""

from django.urls import path

from apps.microblog.views import people

urlpatterns = [
    path("u/<str:public_id>/", people.person, name="person"),
    path("u/<str:public_id>/feed/", people.person_feed, name="person_feed"),
    path("u/<str:public_id>/following/", people.following, name="following"),
    path("u/<str:public_id>/fans/", people.fans, name="fans"),
    path("u/<str:public_id>/follow/", people.follow, name="follow"),
]
