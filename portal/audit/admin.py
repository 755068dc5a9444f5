from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.audit.models import AuditEvent


class ViewOnly:
    """For records that only services write: staff may look, never add, edit or delete. Mixed into a ModelAdmin
    or an inline."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ViewOnly, admin.ModelAdmin):
    """A model admin for records that only services write."""


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "created_at", "actor_kind", "actor_label", "action", "target_type", "target_id", "ip"]
    list_filter = ["actor_kind", "action", "target_type"]
    search_fields = ["=actor_id", "actor_label", "=target_id", "action"]
    ordering = ["-seq"]
    show_full_result_count = False  # no COUNT(*) over millions of events on every page
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
