from django.tasks import task

from abonement.notifications import services


@task()
def deliver_notice(notice_id: int) -> None:
    services.deliver(notice_id=notice_id)


@task()
def deliver_notices(notice_ids: list[int]) -> None:
    """Deliver a batch queued together; each notice keeps its own status and retries."""
    for notice_id in notice_ids:
        services.deliver(notice_id=notice_id)
