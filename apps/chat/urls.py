from django.urls import path

from apps.chat import views

app_name = "chat"

urlpatterns = [
    path("", views.chat_list, name="list"),
    path("chats/new/", views.new_group, name="new_group"),
    path("chats/groups/", views.groups, name="groups"),
    path("chats/settings/", views.chat_settings, name="settings"),
    path("chats/with/<str:public_id>/", views.direct, name="direct"),
    path("chats/join/<str:token>/", views.join, name="join"),
    path("chats/<int:pk>/", views.thread, name="thread"),
    path("chats/<int:pk>/messages", views.messages_json, name="messages"),
    path("chats/<int:pk>/image", views.image_upload, name="image"),
    path("chats/<int:pk>/info/", views.info, name="info"),
    path("chats/<int:pk>/members/", views.add_members, name="add_members"),
    path("chats/<int:pk>/search/", views.search, name="search"),
    path("chats/<int:pk>/invite/", views.invite, name="invite"),
    path("chats/<int:pk>/invite.<str:fmt>", views.invite_qr, name="invite_qr"),
]
