from django.urls import path

from . import views

app_name = "bottles"

urlpatterns = [
    path("", views.beach, name="beach"),
    path("throw/", views.throw, name="throw"),
    path("pick/", views.pick, name="pick"),
    path("mine/", views.mine, name="mine"),
    path("<id:pk>/back/", views.throw_back, name="throw_back"),
    path("<id:pk>/reply/", views.reply, name="reply"),
    path("<id:pk>/report/", views.report, name="report"),
]
