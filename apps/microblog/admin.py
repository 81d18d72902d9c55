"""Weibo in the admin: find a post for moderation (posts are never edited here: people delete their own).

Reports, comments and notifications are in admin_comments.py; topics (hide, host) below.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.microblog import admin_comments  # noqa: F401 - registers the reports queue, comments, notifications
from apps.microblog.models import Post, PostImage, Topic
from apps.microblog.services import topics


class PostImageInline(admin.TabularInline):
    model = PostImage
    extra = 0
    fields = ["position", "image", "thumbnail", "width", "height"]
    readonly_fields = fields
    can_delete = False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["pk", "author", "text", "reposts", "comments", "likes", "created_at", "deleted_at"]
    search_fields = ["text", "author__username", "author__public_id"]
    raw_id_fields = ["author", "repost_of", "origin"]
    readonly_fields = ["author", "text", "repost_of", "origin", "reposts", "comments", "likes", "created_at"]
    inlines = [PostImageInline]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """Moderators hide a topic from hot search, and name its host (a brand hosting a campaign topic)."""

    list_display = ["name", "host", "hidden", "reads", "posts", "created_at"]
    list_filter = ["hidden"]
    search_fields = ["name", "key"]
    raw_id_fields = ["host", "pinned_post"]
    actions = ["hide", "show"]

    @admin.action(description=_("Hide from hot search"))
    def hide(self, request, queryset):
        topics.topics_hide(actor=request.user, topic_ids=list(queryset.values_list("pk", flat=True)))

    @admin.action(description=_("Show in hot search again"))
    def show(self, request, queryset):
        topics.topics_hide(
            actor=request.user, topic_ids=list(queryset.values_list("pk", flat=True)), hidden=False
        )
