from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.audit.models import AuditEvent, AuditPersonalData


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
    list_display = ["seq", "created_at", "actor_kind", "actor", "action", "target_type", "target_id", "client_ip"]
    list_filter = ["actor_kind", "action", "target_type"]
    search_fields = ["=hashed_actor_id", "=personal__actor_id", "personal__actor_label", "=target_id", "action"]
    ordering = ["-seq"]
    show_full_result_count = False  # no COUNT(*) over millions of events on every page
    readonly_fields = [field.name for field in AuditEvent._meta.fields] + ["actor", "client_ip", "personal_data"]

    @admin.display(description="actor")
    def actor(self, event: AuditEvent) -> str:
        return event.actor_label or event.actor_id

    @admin.display(description="IP")
    def client_ip(self, event: AuditEvent) -> str:
        return event.ip or ""

    @admin.display(description="personal data")
    def personal_data(self, event: AuditEvent) -> str:
        """Kept, erased by retention, or never any (events recorded before the split hold it in the row)."""
        personal = AuditPersonalData.objects.filter(event=event).values_list("data", flat=True).first()
        if personal is not None:
            return str(personal)
        return "erased" if event.personal_digest else "none"
