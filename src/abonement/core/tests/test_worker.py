"""`abonement worker` outlives a database that refuses it for a while (SPEC Q2, Q6): it logs, waits, carries on."""

import threading
import time

from django.db import connection, transaction

from abonement.core.worker import FIRST_WAIT_SECONDS, Worker
from abonement.notifications import services as notices
from abonement.notifications.models import Notice
from abonement.testing.database import database_locked, short_lock_waits


def test_the_worker_waits_out_a_locked_database_and_then_delivers(transactional_db, user_factory, caplog):
    user = user_factory(email="reader@example.org")
    with transaction.atomic():
        notice = notices.queue(kind="password_reset", to=user.email, user=user, language="en", context={"user": user})
    died = []

    def work():
        try:
            Worker(
                queue_names=["default"],
                interval=0.1,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id="test-worker",
                excluded_queue_names=[],
            ).run()
        except BaseException as error:  # noqa: BLE001 — the worker's thread must not end with an error
            died.append(error)
        finally:
            connection.close()

    with short_lock_waits(0.2):
        with database_locked():  # longer than the worker waits for a lock: its first rounds fail
            worker = threading.Thread(target=work)
            worker.start()
            time.sleep(FIRST_WAIT_SECONDS + 0.5)
            assert worker.is_alive() and died == []
        worker.join(timeout=30)
    assert not worker.is_alive() and died == []
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT
    assert "the database failed the worker" in caplog.text
