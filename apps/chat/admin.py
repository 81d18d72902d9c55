from django.contrib import admin

from apps.chat.models import ChatProfile, Conversation, Membership, Message


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "active", "last_read_seq", "muted", "pinned"]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "owner", "last_seq", "last_message_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["owner"]
    inlines = [MembershipInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """For moderation: find a reported message; recalls and edits stay with the people who sent them."""

    list_display = ["conversation", "seq", "sender", "kind", "text", "recalled_at", "created_at"]
    list_filter = ["kind"]
    search_fields = ["text"]
    raw_id_fields = ["conversation", "sender", "reply_to"]
    readonly_fields = ["conversation", "seq", "sender", "client_id", "kind", "payload", "created_at"]


admin.site.register(ChatProfile)
