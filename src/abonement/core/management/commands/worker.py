import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from abonement.circulation.tasks import schedule_expiry, schedule_paper_jobs
from abonement.core.worker import Worker


class Command(db_worker.Command):
    """django-tasks-db's `db_worker` (same options) running our Worker, which outlives a busy database."""

    help = (
        "Run the background worker: deliver notices, end due loans every minute (django-tasks-db worker). "
        "A locked or unreachable database is logged and waited out."
    )

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ):
        self.configure_logging(verbosity)
        worker = Worker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
            on_start=lambda: (schedule_expiry(), schedule_paper_jobs()),
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":  # only the reloaded child handles signals
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
