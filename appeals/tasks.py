from django.tasks import task

from appeals.services import appeal_release_if_idle


@task()
def release_if_idle(appeal_id: int) -> None:
    appeal_release_if_idle(appeal_id=appeal_id)
