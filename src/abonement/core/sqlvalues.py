"""Values read by hand-written SQL, as the ORM would hand them over: SQLite returns dates, times and timestamps
as ISO text (timestamps in UTC without an offset), PostgreSQL as Python objects."""

from datetime import UTC, date, datetime, time


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
