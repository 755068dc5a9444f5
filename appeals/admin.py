"""Admin views of the domain. Changes go through the services (dashboard, API, commands), so these are read-only."""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from appeals.models import (
    Appeal,
    Decision,
    Evidence,
    Message,
    MisuseMeasure,
    Notice,
    ReasonTemplate,
    Suspension,
    Wave,
)
from portal.audit.actors import staff_actor
from portal.audit.admin import ReadOnlyAdmin
from portal.audit.services import audit_record


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field for field in self.fields or [] if isinstance(field, str)]


class NoticeInline(ReadOnlyInline):
    model = Notice
    fields = ["channel", "address", "status", "sent_at", "status_at", "detail"]


class AppealInline(ReadOnlyInline):
    model = Appeal
    fields = ["reference", "status", "filed_at", "due_at", "assigned_to"]


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "author_kind", "author", "internal", "body", "reply_by"]


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["original_name", "content_type", "size", "sha256", "uploaded_at"]


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = ["created_at", "outcome", "state", "decided_by", "approved_by", "reasons"]


@admin.register(Wave)
class WaveAdmin(ReadOnlyAdmin):
    list_display = ["name", "key", "created_at"]
    search_fields = ["name", "key"]


@admin.register(Suspension)
class SuspensionAdmin(ReadOnlyAdmin):
    list_display = ["handle", "puid", "category", "decision_account", "application_date", "informed_at", "wave"]
    list_filter = [
        "category",
        "decision_ground",
        "decision_account",
        "source_type",
        "automated_detection",
        "automated_decision",
        "wave",
        ("informed_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["=handle_key", "=puid", "detection_rule"]
    list_select_related = ["wave"]
    show_full_result_count = False
    inlines = [NoticeInline, AppealInline]
    readonly_fields = [field.name for field in Suspension._meta.fields]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["suspension", "channel", "status", "sent_at", "status_at", "sent_by_recourse"]
    list_filter = ["status", "channel", "sent_by_recourse"]
    search_fields = ["=suspension__puid", "=suspension__handle_key"]
    list_select_related = ["suspension"]
    show_full_result_count = False


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["reference", "suspension", "status", "filed_at", "due_at", "assigned_to", "identity_verified"]
    list_filter = ["status", "identity_verified", "escalated", "language", "suspension__category", "suspension__wave"]
    search_fields = ["=reference", "=suspension__handle_key", "=suspension__puid"]
    list_select_related = ["suspension", "assigned_to"]
    show_full_result_count = False
    inlines = [MessageInline, EvidenceInline, DecisionInline]
    readonly_fields = [field.name for field in Appeal._meta.fields]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["appeal", "outcome", "state", "manifestly_unfounded", "decided_by", "approved_by", "created_at"]
    list_filter = ["outcome", "state", "manifestly_unfounded"]
    search_fields = ["=appeal__reference"]
    list_select_related = ["appeal", "decided_by", "approved_by"]
    show_full_result_count = False


@admin.register(MisuseMeasure)
class MisuseMeasureAdmin(ReadOnlyAdmin):
    """Warnings and blocks for misuse are decided on the review dashboard's Misuse page (appeals/misuse.py)."""

    list_display = ["handle", "kind", "decided_at", "ends_at", "lifted_at", "decided_by"]
    list_filter = ["kind", ("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["=handle_key"]
    list_select_related = ["decided_by"]
    show_full_result_count = False
    readonly_fields = [field.name for field in MisuseMeasure._meta.fields]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["appeal", "author_kind", "author", "internal", "created_at"]
    list_filter = ["author_kind", "internal"]
    search_fields = ["=appeal__reference"]
    list_select_related = ["appeal", "author"]
    show_full_result_count = False


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "appeal", "content_type", "size", "uploaded_at"]
    list_filter = ["content_type"]
    search_fields = ["=appeal__reference", "=sha256"]
    list_select_related = ["appeal"]
    show_full_result_count = False


@admin.register(ReasonTemplate)
class ReasonTemplateAdmin(admin.ModelAdmin):
    """Administrators keep the starting texts reviewers adapt; every change is on the audit trail."""

    list_display = ["title", "outcome", "language", "active"]
    list_filter = ["outcome", "language", "active"]
    search_fields = ["title", "body"]

    def save_model(self, request: HttpRequest, obj: ReasonTemplate, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            action = "reason_template.changed" if change else "reason_template.created"
            audit_record(actor=staff_actor(request), action=action, target=obj, data={"title": obj.title})

    def delete_model(self, request: HttpRequest, obj: ReasonTemplate) -> None:
        with transaction.atomic():
            audit_record(
                actor=staff_actor(request), action="reason_template.deleted", target=obj, data={"title": obj.title}
            )
            super().delete_model(request, obj)
