"""Making the real database busy in tests: another connection holds the write lock, waits are short."""

import threading
from contextlib import contextmanager

from django.db import connection, connections, transaction

WAIT_SECONDS = 60


def _locked_tables() -> list[str]:
    """What the other connection locks on PostgreSQL: the tables imports and the worker cannot do without."""
    from django_tasks_db.models import DBTaskResult

    from abonement.catalog.models import Title

    return [Title._meta.db_table, DBTaskResult._meta.db_table]


@contextmanager
def short_lock_waits(seconds: float):
    """Connections opened inside give up waiting for a lock after `seconds`, as they would after the busy timeout
    (SQLite) or a lock_timeout (PostgreSQL) of 20 s in production. The current connection is reopened too."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    saved = dict(options)
    if connection.vendor == "sqlite":
        options["timeout"] = seconds
    else:
        options["options"] = f"-c lock_timeout={int(seconds * 1000)}"
    connection.close()
    try:
        yield
    finally:
        options.clear()
        options.update(saved)
        connection.close()


@contextmanager
def database_locked():
    """Another connection takes the write lock (SQLite) or locks the tables (PostgreSQL) until the block ends."""
    other = connections.create_connection("default")
    cursor = other.cursor()
    try:
        if other.vendor == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        else:
            cursor.execute("BEGIN")
            for table in _locked_tables():
                cursor.execute(f"LOCK TABLE {other.ops.quote_name(table)} IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        cursor.execute("ROLLBACK")
        cursor.close()
        other.close()


def while_open(first, meanwhile) -> None:
    """Run `first` in a transaction that stays open (up to 3 s) while `meanwhile` runs in another thread: on
    PostgreSQL `meanwhile` runs against the open transaction's locks; on SQLite it waits for its commit."""
    started, finished, failures = threading.Event(), threading.Event(), []

    def hold_open():
        try:
            with transaction.atomic():
                first()
                started.set()
                finished.wait(3)
        except Exception as error:  # noqa: BLE001 — reported below
            failures.append(error)
        finally:
            started.set()
            connection.close()

    def then():
        try:
            started.wait(WAIT_SECONDS)
            meanwhile()
        except Exception as error:  # noqa: BLE001 — reported below
            failures.append(error)
        finally:
            finished.set()
            connection.close()

    threads = [threading.Thread(target=hold_open), threading.Thread(target=then)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    assert failures == []
