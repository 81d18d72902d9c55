from django.urls import path

from . import views

app_name = "nearby"

urlpatterns = [
    path("", views.home, name="home"),
    path("location/", views.location, name="location"),
    path("clear/", views.clear, name="clear"),
    path("hi/<str:public_id>/", views.greet, name="greet"),
    path("shake/", views.shake_page, name="shake"),
    path("shake/<id:pk>/", views.shake_result, name="shake_result"),
]
