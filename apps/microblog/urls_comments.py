"""Comments, likes, reports and notifications. Included by apps/microblog/urls.py under "weibo/" with no
namespace of its own, so these names live in the app's namespace ("microblog:post_comments")."""

from django.urls import path

from apps.microblog.views import comments as views

urlpatterns = [
    path("posts/<id:pk>/comments/", views.post_comments, name="post_comments"),
    path("posts/<id:pk>/comments/new", views.comment_new, name="comment_new"),
    path("posts/<id:pk>/like", views.post_like, name="post_like"),
    path("posts/<id:pk>/unlike", views.post_unlike, name="post_unlike"),
    path("posts/<id:pk>/report", views.post_report, name="post_report"),
    path("comments/<id:pk>/replies/", views.comment_replies, name="comment_replies"),
    path("comments/<id:pk>/delete", views.comment_delete, name="comment_delete"),
    path("comments/<id:pk>/like", views.comment_like, name="comment_like"),
    path("comments/<id:pk>/unlike", views.comment_unlike, name="comment_unlike"),
    path("comments/<id:pk>/report", views.comment_report, name="comment_report"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<str:kind>/", views.notification_list, name="notifications_kind"),
]
