from django.urls import path, re_path

from apps.core import views

app_name = "core"

urlpatterns = [
    path("discover/", views.discover, name="discover"),
    path("scan/", views.scan, name="scan"),
    path("healthz", views.healthz, name="healthz"),
    re_path(r"^media/(?P<path>.+)$", views.media, name="media"),
]
