from django.urls import path

from . import views

app_name = "wallet"

urlpatterns = [
    path("", views.home, name="home"),
    path("topup/", views.topup, name="topup"),
    path("withdraw/", views.withdraw, name="withdraw"),
    path("statement/", views.statement, name="statement"),
    path("statement.csv", views.statement_csv, name="statement_csv"),
    path("records/<int:pk>/", views.record, name="record"),
    path("pin/", views.pin, name="pin"),
    path("transfer/to/<str:public_id>/", views.transfer_to, name="transfer_to"),
    path("transfer/chat/<int:conversation_id>/", views.transfer_in_chat, name="transfer_in_chat"),
    path("transfers/<int:pk>/", views.transfer, name="transfer"),
    path("transfers/<int:pk>/<str:action>/", views.transfer_act, name="transfer_act"),
    path("packets/new/<int:conversation_id>/", views.packet_new, name="packet_new"),
    path("packets/opened/", views.packets_opened, name="packets_opened"),
    path("packets/<int:pk>/", views.packet, name="packet"),
    path("packets/<int:pk>/state/", views.packet_state, name="packet_state"),
    path("packets/<int:pk>/grab/", views.packet_grab, name="packet_grab"),
    path("receive/", views.receive, name="receive"),
    path("qr/<str:token>.<str:fmt>", views.receive_qr, name="receive_qr"),
    path("pay/<str:token>/", views.pay, name="pay"),
    path("merchants/", views.merchants, name="merchants"),
    path("merchants/<slug:slug>/", views.merchant, name="merchant"),
]
