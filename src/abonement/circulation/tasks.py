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


PAPER_JOBS_EVERY = timedelta(hours=1)


@task()
def paper_jobs() -> dict:
    """The nightly paper work (SPEC P4, N1), run every hour: each step is idempotent, so a run that finds
    nothing new writes nothing. Then queue the next run."""
    from abonement.circulation import fines, reminders

    done = {
        "fines": fines.charge_overdue_fines(),
        "due_reminders": reminders.send_due_reminders(),
        "overdue_notices": reminders.send_overdue_notices(),
    }
    schedule_paper_jobs()
    return done


def schedule_paper_jobs(now: datetime | None = None) -> None:
    """Keep one paper-jobs run queued (two queued by two workers at once are harmless: the jobs are idempotent)."""
    pending = DBTaskResult.objects.filter(task_path=paper_jobs.module_path, status="READY")
    if not pending.exists():
        paper_jobs.using(run_after=(now or clock.now()) + PAPER_JOBS_EVERY).enqueue()
