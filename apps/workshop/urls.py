from django.urls import path

from . import views

app_name = "workshop"

urlpatterns = [
    path("", views.console_page, name="console"),
    path("clock/", views.clock_jump, name="clock"),
    path("explain/<slug:key>/", views.explainer, name="explainer"),
]
