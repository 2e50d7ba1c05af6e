from django.contrib import admin
from django.http import HttpRequest

from core.audit.models import PlatformAuditEntry


@admin.register(PlatformAuditEntry)
class PlatformAuditEntryAdmin(admin.ModelAdmin[PlatformAuditEntry]):
    list_display = ("occurred_at", "actor_label", "action", "district_schema")
    list_filter = ("action", "district_schema")
    search_fields = ("actor_label", "district_schema", "action")
    readonly_fields = (
        "occurred_at",
        "actor_kind",
        "actor_label",
        "actor_user_id",
        "action",
        "district_schema",
        "details",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
