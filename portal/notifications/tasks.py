from django.tasks import task

from portal.notifications.delivery import notification_deliver


@task()
def deliver_notification(notification_id: int) -> str:
    return notification_deliver(notification_id)
