from django.urls import path

from . import views, views_beacon, views_dashboard

app_name = "checkin"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("coupons/", views.coupons, name="coupons"),
    path("c/<str:letter>/<str:token>/", views.code, name="code"),
    path("v/<id:pk>/", views.venue, name="venue"),
    path("v/<id:pk>/checkin/", views.checkin, name="checkin"),
    path("venues/", views.venues, name="venues"),
    path("venues/new/", views.venue_new, name="venue_new"),
    path("v/<id:pk>/edit/", views.venue_edit, name="venue_edit"),
    path("v/<id:pk>/poster/", views.poster, name="poster"),
    path("v/<id:pk>/poster.<str:fmt>", views.poster_image, name="poster_image"),
    path("v/<id:pk>/poster/replace/", views.poster_replace, name="poster_replace"),
    path("v/<id:pk>/kiosk/", views.kiosk, name="kiosk"),
    path("v/<id:pk>/kiosk/code/", views.kiosk_code, name="kiosk_code"),
    path("v/<id:pk>/kiosk/<id:slot>.svg", views.kiosk_image, name="kiosk_image"),
    path("v/<id:pk>/redeem/", views.redeem, name="redeem"),
    path("v/<id:pk>/dashboard/", views_dashboard.venue_dashboard, name="dashboard"),
    path("v/<id:pk>/checkins.csv", views_dashboard.venue_export, name="export"),
    path("shake/", views_beacon.beacon_page, name="beacon"),
    path("shake/go/", views_beacon.beacon_shake, name="beacon_shake"),
]
