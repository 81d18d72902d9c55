"""Weibo in the admin: find a post for moderation (posts are never edited here: people delete their own).

Lanes C (reports queue) and T (topics: hide, host, introduction) add their own admins to this module.
"""

from django.contrib import admin

from apps.microblog.models import Post, PostImage


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
