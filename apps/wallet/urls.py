from django.urls import path

from . import views

app_name = "wallet"

urlpatterns = [
    path("", views.home, name="home"),
    path("topup/", views.topup, name="topup"),
    path("withdraw/", views.withdraw, name="withdraw"),
    path("statement/", views.statement, name="statement"),
    path("statement.csv", views.statement_csv, name="statement_csv"),
    path("records/<id:pk>/", views.record, name="record"),
    path("pin/", views.pin, name="pin"),
    path("transfer/to/<str:public_id>/", views.transfer_to, name="transfer_to"),
    path("transfer/chat/<id:conversation_id>/", views.transfer_in_chat, name="transfer_in_chat"),
    path("transfers/<id:pk>/", views.transfer, name="transfer"),
    path("transfers/<id:pk>/<str:action>/", views.transfer_act, name="transfer_act"),
    path("packets/new/<id:conversation_id>/", views.packet_new, name="packet_new"),
    path("packets/opened/", views.packets_opened, name="packets_opened"),
    path("packets/<id:pk>/", views.packet, name="packet"),
    path("packets/<id:pk>/state/", views.packet_state, name="packet_state"),
    path("packets/<id:pk>/grab/", views.packet_grab, name="packet_grab"),
    path("receive/", views.receive, name="receive"),
    path("qr/<str:token>.<str:fmt>", views.receive_qr, name="receive_qr"),
    path("pay/<str:token>/", views.pay, name="pay"),
    path("merchants/", views.merchants, name="merchants"),
    path("merchants/<slug:slug>/", views.merchant, name="merchant"),
]
