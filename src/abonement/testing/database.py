"""Making the real database busy in tests: another connection holds the write lock, waits are short."""

from contextlib import contextmanager

from django.db import connection, connections


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
