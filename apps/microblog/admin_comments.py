"""Moderation of Weibo comments and reports (imported by apps/microblog/admin.py).

The report queue shows open reports first; "Hide for everyone" deletes the post or comment for all readers
and resolves every open report on it, "Dismiss" resolves them and changes nothing else.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.microblog.models import Comment, Notification, Report
from apps.microblog.services import reports


class OpenFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("resolved", _("Resolved"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["pk", "reported", "reporter", "reason", "created_at", "resolved_at"]
    list_filter = [OpenFilter]
    list_select_related = ["reporter", "post__author", "comment__author"]
    ordering = ["-resolved_at", "-id"]  # open ones (no resolution) first
    readonly_fields = ["reporter", "post", "comment", "reason", "created_at", "resolved_at"]
    actions = ["hide_for_everyone", "dismiss"]

    @admin.display(description=_("reported"))
    def reported(self, report):
        thing = report.post or report.comment
        return f"{thing.author}: {thing.text[:60]}" if thing else "-"

    def has_add_permission(self, request):
        return False

    def _resolve(self, request, queryset, service):
        resolved = sum(service(report=report) for report in queryset.filter(resolved_at__isnull=True))
        self.message_user(
            request,
            ngettext("%(n)d report resolved.", "%(n)d reports resolved.", resolved) % {"n": resolved},
            messages.SUCCESS,
        )

    @admin.action(description=_("Hide for everyone"), permissions=["change"])
    def hide_for_everyone(self, request, queryset):
        self._resolve(request, queryset, reports.report_hide_for_everyone)

    @admin.action(description=_("Dismiss"), permissions=["change"])
    def dismiss(self, request, queryset):
        self._resolve(request, queryset, reports.report_dismiss)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "author",
        "text",
        "post",
        "floor",
        "likes",
        "replies_count",
        "created_at",
        "deleted_at",
    ]
    list_select_related = ["author", "post"]
    raw_id_fields = ["post", "author", "floor", "reply_to"]
    search_fields = ["text"]
    readonly_fields = ["likes", "replies_count"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["pk", "recipient", "kind", "actor", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient", "actor"]
    raw_id_fields = ["recipient", "actor", "post", "comment"]
