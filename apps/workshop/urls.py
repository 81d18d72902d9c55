from django.urls import path

from . import join_views, views

app_name = "workshop"

urlpatterns = [
    path("", views.console_page, name="console"),
    path("clock/", views.clock_jump, name="clock"),
    path("explain/<slug:key>/", views.explainer, name="explainer"),
    path("join/code.svg", join_views.join_qr, name="join_qr"),
    path("join/code/", join_views.join_code, name="join_code"),
    path("join/keep/", join_views.keep, name="keep"),
    path("join/<str:token>/", join_views.join, name="join"),
    path("reset/", join_views.reset_page, name="reset"),
    path("phones/", views.phones_page, name="phones"),
    path("phones/enter/", views.phone_enter, name="phone_enter"),
    path("scenes/<str:name>/", views.scene, name="scene"),
    path("bots/", views.bots_run, name="bots"),
]
