"""Periodic circulation work, run by `abonement worker`."""

from datetime import datetime, timedelta

from django.tasks import task
from django_tasks_db.models import DBTaskResult

from abonement.circulation import reservations, services
from abonement.core import clock

EXPIRY_EVERY = timedelta(minutes=1)


@task()
def expire_loans() -> int:
    """End loans whose last day is over, lend copies left free while someone waits for them, then queue the
    next run (SPEC L7, L3);
    lapse set-aside paper items nobody collected by the deadline (SPEC P2)."""
    ended = services.expire_due_loans()
    services.serve_idle_copies()
    reservations.lapse_uncollected()
    schedule_expiry()
    return ended


def schedule_expiry(now: datetime | None = None) -> None:
    """Keep one expiry run queued. Two workers may both queue one: harmless, expiry is idempotent."""
    pending = DBTaskResult.objects.filter(task_path=expire_loans.module_path, status="READY")
    if not pending.exists():
        expire_loans.using(run_after=(now or clock.now()) + EXPIRY_EVERY).enqueue()
