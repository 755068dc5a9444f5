from django.contrib import admin

from portal.audit.admin import ReadOnlyAdmin
from portal.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "template", "channel", "recipient_email", "language", "status", "attempts"]
    list_filter = ["status", "channel", "template", "language"]
    search_fields = ["recipient_email", "=message_id", "=provider_message_id"]
    readonly_fields = [field.name for field in Notification._meta.fields]
    show_full_result_count = False
