"""Rows and values read by hand-written SQL on hot paths (decision 0010), as the ORM would hand them over.

SQLite returns dates, times and timestamps as ISO text (timestamps in UTC without an offset), PostgreSQL as
Python objects; `first()` goes through `Model.objects.raw`, which applies the backend's converters, so its
instances are the ORM's own. The lock clause comes from Django's `for_update_sql`, and is empty on SQLite,
whose IMMEDIATE transactions already hold the write lock.
"""

from datetime import UTC, date, datetime, time

from django.db import connection


def lock_clause(*, of: tuple[str, ...] = (), skip_locked: bool = False) -> str:
    """` FOR NO KEY UPDATE [OF …] [SKIP LOCKED]`, or nothing on SQLite."""
    if not connection.features.has_select_for_update:
        return ""
    return " " + connection.ops.for_update_sql(no_key=True, skip_locked=skip_locked, of=of)


def first(model, sql: str, params: list):
    """The first `model` instance the statement `sql` returns, or None."""
    return next(iter(model.objects.raw(sql, params)), None)


def as_date(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def as_time(value) -> time | None:
    return time.fromisoformat(value) if isinstance(value, str) else value


def as_datetime(value) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
