from django.urls import path

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.PasswordChange.as_view(), name="password_change"),
    path("me/", views.me, name="me"),
    path("me/profile/", views.profile_edit, name="profile_edit"),
    path("me/avatar/", views.avatar_upload, name="avatar"),
    path("me/public-id/", views.public_id_edit, name="public_id"),
    path("me/settings/", views.settings_view, name="settings"),
    path("me/blocked/", views.blocked_list, name="blocked"),
    path("me/blocked/<id:block_id>/unblock/", views.block_lift, name="block_lift"),
    path("me/qr/", views.my_qr, name="my_qr"),
    path("me/qr.<str:fmt>", views.my_qr_image, name="my_qr_image"),
    path("me/qr/reset/", views.my_qr_reset, name="my_qr_reset"),
    path("qr/<str:token>/", views.qr_open, name="qr_open"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/new/", views.new_friends, name="new_friends"),
    path("contacts/add/", views.add_friend, name="add_friend"),
    path("requests/<id:request_id>/accept/", views.request_accept, name="request_accept"),
    path("requests/<id:request_id>/decline/", views.request_decline, name="request_decline"),
    path("u/<str:public_id>/", views.profile, name="profile"),
    path("u/<str:public_id>/request/", views.friend_request, name="friend_request"),
    path("u/<str:public_id>/remark/", views.remark, name="remark"),
    path("u/<str:public_id>/remove/", views.remove_friend, name="remove_friend"),
    path("u/<str:public_id>/block/", views.block, name="block"),
    path("u/<str:public_id>/unblock/", views.unblock, name="unblock"),
]
