from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Block, FriendRequest, Friendship, User
from apps.core import realtime


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Moderation: find people, read their profile, deactivate accounts that abuse others, and give a person
    or a brand Weibo's V (shown by their name everywhere)."""

    list_display = (
        "username",
        "display_name",
        "public_id",
        "region",
        "verified",
        "is_active",
        "date_joined",
        "last_login",
    )
    list_filter = ("verified", "is_active", "is_staff", "gender")
    search_fields = ("username", "display_name", "public_id")
    actions = ["deactivate", "reactivate"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Profile"),
            {"fields": ("display_name", "public_id", "avatar", "bio", "region", "gender", "language")},
        ),
        (_("Privacy"), {"fields": ("findable_by_id", "addable_by_qr", "send_read_receipts")}),
        (_("Verification"), {"fields": ("verified",)}),
    )

    @admin.action(description=_("Deactivate selected people (they can no longer log in or be found)"))
    def deactivate(self, request, queryset):
        queryset.exclude(pk=request.user.pk).update(is_active=False)
        realtime.sessions_changed(*queryset.exclude(pk=request.user.pk).values_list("pk", flat=True))

    @admin.action(description=_("Reactivate selected people"))
    def reactivate(self, request, queryset):
        queryset.update(is_active=True)


@admin.register(FriendRequest)
class FriendRequestAdmin(admin.ModelAdmin):
    list_display = ("from_user", "to_user", "status", "source", "created_at")
    list_filter = ("status", "source")
    raw_id_fields = ("from_user", "to_user")


@admin.register(Friendship)
class FriendshipAdmin(admin.ModelAdmin):
    list_display = ("owner", "friend", "source", "created_at")
    raw_id_fields = ("owner", "friend")


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ("blocker", "blocked", "created_at")
    raw_id_fields = ("blocker", "blocked")
