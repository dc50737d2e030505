from django.tasks import task

from abonement.notifications import services


@task()
def deliver_notice(notice_id: int) -> None:
    services.deliver(notice_id=notice_id)
