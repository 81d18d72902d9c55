"""The moderators' queue: reported bottles (hidden at once) to keep hidden or put back in the sea."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Bottle, Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("bottle_text", "bottle_thrower", "reporter", "reason", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("bottle", "bottle__thrower", "reporter")
    readonly_fields = ("bottle", "reporter", "reason", "created_at", "handled_at", "status")
    ordering = ("status", "-created_at")  # "open" sorts first
    actions = ("uphold", "restore")

    @admin.display(description=_("bottle"))
    def bottle_text(self, report):
        return report.bottle.text

    @admin.display(description=_("thrower"))
    def bottle_thrower(self, report):
        return report.bottle.thrower

    @admin.action(description=_("Keep the bottles hidden"))
    def uphold(self, request, queryset):
        n = services.reports_uphold(reports=list(queryset))
        self.message_user(request, _("%(n)s reports closed; the bottles stay hidden.") % {"n": n})

    @admin.action(description=_("Put the bottles back in the sea"))
    def restore(self, request, queryset):
        n = services.reports_restore(reports=list(queryset))
        self.message_user(request, _("%(n)s bottles are visible again.") % {"n": n})

    def has_add_permission(self, request):
        return False


@admin.register(Bottle)
class BottleAdmin(admin.ModelAdmin):
    list_display = ("text", "thrower", "city", "created_at", "expires_at", "in_sea", "hidden_at")
    list_filter = ("in_sea",)
    search_fields = ("text",)
    raw_id_fields = ("thrower", "holder", "replied_by", "conversation")
