from __future__ import annotations

from django.contrib import admin

from tuopin.offline.models import SyncedItem


@admin.register(SyncedItem)
class SyncedItemAdmin(admin.ModelAdmin):
    """Read-only: what phones synced, when (both clocks), where, and how often it was replayed."""

    list_display = ["received_at", "user", "kind", "client_time", "result_url", "replays"]
    list_filter = ["kind"]
    search_fields = ["user__username", "client_id", "result_url"]
    date_hierarchy = "received_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
