from django.urls import path

from . import views

app_name = "workshop"

urlpatterns = [
    path("", views.console_page, name="console"),
    path("clock/", views.clock_jump, name="clock"),
    path("phones/", views.phones_page, name="phones"),
    path("phones/enter/", views.phone_enter, name="phone_enter"),
]
