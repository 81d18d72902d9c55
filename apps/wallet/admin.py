from django.contrib import admin

from .models import Account, Entry, Grab, Merchant, Payment, RedPacket, Transaction, Transfer


class ReadOnly(admin.ModelAdmin):
    """Money is only moved by the ledger: the admin can look, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnly):
    list_display = ["pk", "kind", "owner", "balance"]
    list_filter = ["kind"]


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    can_delete = False
    readonly_fields = ["account", "amount", "balance_after"]


@admin.register(Transaction)
class TransactionAdmin(ReadOnly):
    list_display = ["pk", "kind", "initiator", "created_at", "memo"]
    list_filter = ["kind"]
    inlines = [EntryInline]


for model in (Transfer, RedPacket, Grab, Payment, Merchant):
    admin.site.register(model, ReadOnly)
