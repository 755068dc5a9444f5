from collections import defaultdict
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.roles import Role
from portal.audit.actors import staff_actor
from portal.audit.admin import ReadOnlyAdmin
from portal.notifications.models import Notification, NotificationStatus
from portal.notifications.services import notification_retry
from portal.rules import RuleViolation

RETRYABLE = [NotificationStatus.FAILED, NotificationStatus.BOUNCED]
# A skipped message is named by its id; past this many, the rest are only counted.
NAMED_AT_MOST = 10


class NeedsAttentionFilter(admin.SimpleListFilter):
    """The messages that did not reach anyone and can be tried again, in one click instead of two status filters."""

    title = gettext_lazy("needs attention")
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("undelivered", _("Failed or bounced"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> QuerySet[Notification]:
        if self.value() == "undelivered":
            return queryset.filter(status__in=RETRYABLE)
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "template", "channel", "recipient_email", "language", "status", "attempts"]
    list_filter = [NeedsAttentionFilter, "status", "channel", "template", "language"]
    search_fields = ["recipient_email", "=message_id", "=provider_message_id"]
    readonly_fields = [field.name for field in Notification._meta.fields]
    show_full_result_count = False
    actions = ["retry"]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        """Records stay read-only; trying a message again is an administrator's call, made through the service."""
        user = request.user
        if not isinstance(user, User) or not user.is_active:
            return False
        return user.is_superuser or (
            user.has_perm("notifications.view_notification") and user.has_role(Role.ADMINISTRATOR)
        )

    @admin.action(description=gettext_lazy("Try the selected failed or bounced messages again"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        actor = staff_actor(request)
        queued = 0
        skipped: dict[str, list[int]] = defaultdict(list)
        for notification in queryset.order_by("pk"):
            try:
                notification_retry(notification=notification, actor=actor)
            except RuleViolation as refusal:
                skipped[refusal.message].append(notification.pk)
            else:
                queued += 1
        if queued:
            message = ngettext(
                "Queued %(count)d message to try again.", "Queued %(count)d messages to try again.", queued
            )
            self.message_user(request, message % {"count": queued}, messages.SUCCESS)
        for reason, ids in skipped.items():
            self.message_user(request, _skipped_message(ids, reason), messages.WARNING)


def _skipped_message(ids: list[int], reason: str) -> str:
    named = ", ".join(f"#{pk}" for pk in ids[:NAMED_AT_MOST])
    if len(ids) > NAMED_AT_MOST:
        named += " " + _("and %(count)d more") % {"count": len(ids) - NAMED_AT_MOST}
    skipped = ngettext("Skipped %(count)d message", "Skipped %(count)d messages", len(ids)) % {"count": len(ids)}
    return f"{skipped} ({named}): {reason}"
