"""The background worker: django-tasks-db's loop, made to outlive a database that is busy or away for a while.

On SQLite a long write (a big import, a migration) makes the worker's `BEGIN EXCLUSIVE` fail with "database is
locked" once the busy timeout runs out; on PostgreSQL a restart or a lock timeout fails a query the same way.
django-tasks-db lets that OperationalError end its loop, and notices then wait for someone to restart the
worker. Here the worker logs it, waits (1 s, doubling up to a minute while failures follow one another) and
carries on; nothing is lost, since every task is a row that stays ready until a worker claims it.
"""

import logging
import time

from django.db import connections
from django.db.utils import OperationalError
from django_tasks_db.management.commands import db_worker

log = logging.getLogger("abonement.worker")

FIRST_WAIT_SECONDS = 1.0
LONGEST_WAIT_SECONDS = 60.0


class Worker(db_worker.Worker):
    def __init__(self, *, on_start=None, **kwargs):
        """`on_start`: work to do once before the loop (it is retried the same way when the database fails)."""
        super().__init__(**kwargs)
        self.on_start = on_start

    def run(self) -> None:
        wait = FIRST_WAIT_SECONDS
        while self.running:
            started = time.monotonic()
            try:
                if self.on_start is not None:
                    self.on_start()
                    self.on_start = None
                return super().run()
            except OperationalError as error:
                if time.monotonic() - started > LONGEST_WAIT_SECONDS:
                    wait = FIRST_WAIT_SECONDS  # it worked for a while: this is a new outage
                log.warning("the database failed the worker (%s); it carries on in %.0f s", error, wait)
                # A connection that failed half-way may be unusable: the next round opens a fresh one.
                for connection in connections.all(initialized_only=True):
                    connection.close()
                time.sleep(wait)
                wait = min(wait * 2, LONGEST_WAIT_SECONDS)
                self.startup_delay = False
        return None
