"""The site's URLs under /p/, for a test that swaps ROOT_URLCONF."""

from django.urls import include, path

urlpatterns = [path("p/", include("socialdemo.urls"))]
