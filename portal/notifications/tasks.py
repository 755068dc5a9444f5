from datetime import timedelta
from typing import Any

from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.integrations.webhooks import webhook_sweep
from portal.notifications.delivery import notification_deliver, outbox_sweep

SWEEP_INTERVAL = timedelta(seconds=60)


@task()
def deliver_notification(notification_id: int) -> str:
    return notification_deliver(notification_id)


@task()
def notification_sweep() -> dict[str, Any]:
    """Recover the outbox and the webhook deliveries, then come back in a minute: the sweep keeps itself going as
    long as a worker runs."""
    result = outbox_sweep()
    webhooks = webhook_sweep()
    sweep_schedule_next()
    return {
        "requeued": result.requeued,
        "gave_up": result.gave_up,
        "dispatched": result.dispatched,
        "webhooks": {"requeued": webhooks.requeued, "gave_up": webhooks.gave_up, "dispatched": webhooks.dispatched},
    }


def sweep_schedule_next(delay: timedelta = SWEEP_INTERVAL) -> bool:
    """Enqueue the next sweep unless one is already waiting, so restarts and manual runs never multiply the chain.
    (Two sweeps finishing at the same instant could still both enqueue; the next round then finds the other one
    waiting and the chain is single again.) Returns whether it enqueued one."""
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=notification_sweep.module_path)
    if waiting.exists():
        return False
    notification_sweep.using(run_after=timezone.now() + delay).enqueue()
    return True
