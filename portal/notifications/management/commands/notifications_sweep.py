"""manage.py notifications_sweep: recover the outbox now and make sure the sweep keeps running in the worker.

Run it when the worker starts: rows a stopped worker left in `sending` are queued again, queued rows whose task
was lost are handed to the worker, and the self-renewing sweep task is started unless one is already waiting.
"""

from typing import Any

from django.core.management.base import BaseCommand

from portal.notifications.delivery import outbox_sweep
from portal.notifications.tasks import sweep_schedule_next


class Command(BaseCommand):
    help = "Queue again what a stopped worker left half-sent, hand overdue messages to the worker, keep sweeping."

    def handle(self, *args: Any, **options: Any) -> None:
        result = outbox_sweep()
        scheduled = sweep_schedule_next()
        self.stdout.write(
            f"Requeued {result.requeued} left sending, failed {result.gave_up} out of attempts, "
            f"handed {result.dispatched} overdue to the worker; "
            + ("next sweep scheduled." if scheduled else "a sweep was already scheduled.")
        )
