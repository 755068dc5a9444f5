from django.tasks import task

from portal.integrations.webhooks import webhook_deliver

# Ahead of mail: an overturn means "reinstate now", and must not wait behind a wave of notices in the queue.
WEBHOOK_PRIORITY = 10


@task(priority=WEBHOOK_PRIORITY)
def deliver_webhook(delivery_id: int) -> str:
    return webhook_deliver(delivery_id)
