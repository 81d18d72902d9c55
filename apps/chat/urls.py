from django.urls import path

from apps.chat import views

app_name = "chat"

urlpatterns = [
    path("", views.chat_list, name="list"),
    path("chats/new/", views.new_group, name="new_group"),
    path("chats/groups/", views.groups, name="groups"),
    path("chats/settings/", views.chat_settings, name="settings"),
    path("chats/with/<str:public_id>/", views.direct, name="direct"),
    path("chats/join/", views.join_code, name="join_code"),
    path("chats/join/<str:token>/", views.join, name="join"),
    path("chats/<id:pk>/", views.thread, name="thread"),
    path("chats/<id:pk>/messages", views.messages_json, name="messages"),
    path("chats/<id:pk>/image", views.image_upload, name="image"),
    path("chats/<id:pk>/info/", views.info, name="info"),
    path("chats/<id:pk>/members/", views.add_members, name="add_members"),
    path("chats/<id:pk>/search/", views.search, name="search"),
    path("chats/<id:pk>/invite/", views.invite, name="invite"),
    path("chats/<id:pk>/invite/reset/", views.invite_reset, name="invite_reset"),
    path("chats/<id:pk>/invite.<str:fmt>", views.invite_qr, name="invite_qr"),
]
