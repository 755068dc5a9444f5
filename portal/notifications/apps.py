from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "portal.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from anymail.signals import tracking

        from portal.notifications.events import tracking_event_received

        # Provider reports arrive through anymail's signal; the receiver calls the service that records them.
        tracking.connect(tracking_event_received, dispatch_uid="recourse.notification_events")
