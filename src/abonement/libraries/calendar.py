"""The opening calendar (SPEC P2): "is the library open on D" and "the Nth opening day after D".

Every paper deadline (pickup, due date, reminders, overdue days) counts opening days and lands at the closing time
of its day in the library's time zone. A library's calendar is its weekly hours and its closed days; a branch
without hours of its own keeps its central library's, and the central library's closed days (public holidays)
close the branch too. A library with no hours at all is open `opening_weekdays` from 09:00 to 18:00.

`Calendar` is pure (no queries): `calendar_for(library)` loads one, so tests and the nightly jobs can build and
reuse it.
"""

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext_lazy as _

from abonement.core.errors import DomainError

DEFAULT_OPENS = time(9, 0)
DEFAULT_CLOSES = time(18, 0)
# A calendar with no opening day in this many days is a mistake of the staff, not a reason to loop forever.
HORIZON_DAYS = 3 * 366


class NeverOpen(DomainError):
    code = "library_never_open"
    status = 409
    message = _("The library's calendar has no opening day in the next three years: set its opening hours.")


class OverlappingHours(DomainError):
    code = "overlapping_opening_hours"
    status = 400
    message = _("Opening hours on %(weekday)s overlap: %(first)s and %(second)s. Give each time once.")


class ClosingBeforeOpening(DomainError):
    code = "closing_before_opening"
    status = 400
    message = _("On %(weekday)s the library closes (%(closes)s) before it opens (%(opens)s).")


class ClosedDayInPast(DomainError):
    code = "closed_day_in_past"
    status = 400
    message = _("%(day)s is in the past: closed days can be added from today on.")


WEEKDAY_NAMES = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)


@dataclass(frozen=True)
class Calendar:
    time_zone: zoneinfo.ZoneInfo
    # weekday (0 = Monday) → opening intervals of that day, sorted
    hours: dict[int, tuple[tuple[time, time], ...]]
    closed: frozenset[date] = field(default_factory=frozenset)

    def is_open(self, day: date) -> bool:
        return day not in self.closed and bool(self.hours.get(day.weekday()))

    def closing_time(self, day: date) -> datetime:
        """When the library closes on `day` (its last interval), as an aware datetime. On a closed day: 23:59."""
        intervals = self.hours.get(day.weekday())
        closes = intervals[-1][1] if intervals and day not in self.closed else time(23, 59)
        return datetime.combine(day, closes, tzinfo=self.time_zone)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.time_zone).date()

    def opening_day_on_or_after(self, day: date) -> date:
        for offset in range(HORIZON_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_open(candidate):
                return candidate
        raise NeverOpen()

    def nth_opening_day_after(self, day: date, n: int) -> date:
        """The `n`-th opening day after `day` (`day` itself not counted); n = 0 is the first opening day on or
        after `day`."""
        if n <= 0:
            return self.opening_day_on_or_after(day)
        found = 0
        for offset in range(1, HORIZON_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_open(candidate):
                found += 1
                if found == n:
                    return candidate
        raise NeverOpen()

    def opening_days_before(self, day: date, n: int) -> date:
        """The `n`-th opening day before `day` (for reminders "N opening days before the due date")."""
        found = 0
        for offset in range(1, HORIZON_DAYS):
            candidate = day - timedelta(days=offset)
            if self.is_open(candidate):
                found += 1
                if found == n:
                    return candidate
        raise NeverOpen()

    def opening_days_between(self, start: date, end: date) -> int:
        """How many opening days lie after `start` up to and including `end` (0 when end ≤ start)."""
        return sum(1 for offset in range(1, (end - start).days + 1) if self.is_open(start + timedelta(days=offset)))

    def deadline(self, start: datetime, opening_days: int) -> datetime:
        """Closing time of the `opening_days`-th opening day after the day of `start` (the pickup deadline)."""
        return self.closing_time(self.nth_opening_day_after(self.local_date(start), opening_days))

    def due(self, start: datetime, loan_days: int) -> datetime:
        """The due date of a loan of `loan_days` calendar days from `start`: moved to the next opening day when
        the library is closed that day, at its closing time."""
        return self.closing_time(self.opening_day_on_or_after(self.local_date(start) + timedelta(days=loan_days)))


def check_hours(intervals: Iterable[tuple[int, time, time]]) -> None:
    """Refuse weekly hours that close before they open or overlap on one weekday (staff form and service)."""
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in intervals:
        if closes <= opens:
            raise ClosingBeforeOpening(weekday=WEEKDAY_NAMES[weekday], opens=f"{opens:%H:%M}", closes=f"{closes:%H:%M}")
        by_day.setdefault(weekday, []).append((opens, closes))
    for weekday, day_intervals in by_day.items():
        day_intervals.sort()
        for (opens_a, closes_a), (opens_b, closes_b) in zip(day_intervals, day_intervals[1:], strict=False):
            if opens_b < closes_a:
                raise OverlappingHours(
                    weekday=WEEKDAY_NAMES[weekday],
                    first=f"{opens_a:%H:%M}–{closes_a:%H:%M}",
                    second=f"{opens_b:%H:%M}–{closes_b:%H:%M}",
                )


def calendar_for(library) -> Calendar:
    """Load `library`'s calendar: its own and its central library's hours and closed days, in one statement
    written by hand (the desk loads a calendar at every scan; the ORM took longer to build the two queries than
    the database to answer them)."""
    from django.db import connection

    from abonement.core.sqlvalues import as_date, as_time
    from abonement.libraries.models import ClosedDay, OpeningHours

    owners = [library.pk, library.parent_id or library.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT library_id, weekday, opens, closes, NULL FROM {OpeningHours._meta.db_table} "  # noqa: S608
            "WHERE library_id IN (%s, %s) "
            f"UNION ALL SELECT library_id, NULL, NULL, NULL, day FROM {ClosedDay._meta.db_table} "
            "WHERE library_id IN (%s, %s)",
            owners + owners,
        )
        rows = cursor.fetchall()
    hours_rows = [
        (owner, weekday, as_time(opens), as_time(closes))
        for owner, weekday, opens, closes, _ in rows
        if weekday is not None
    ]
    own = [row for row in hours_rows if row[0] == library.pk]
    chosen = own or [row for row in hours_rows if row[0] == library.parent_id]
    hours: dict[int, list[tuple[time, time]]] = {}
    if chosen:
        for _owner, weekday, opens, closes in chosen:
            hours.setdefault(weekday, []).append((opens, closes))
    else:
        for weekday in library.opening_weekday_numbers:
            # opening_weekdays counts 1 = Monday … 7 = Sunday
            hours[(weekday - 1) % 7] = [(DEFAULT_OPENS, DEFAULT_CLOSES)]
    closed = frozenset(as_date(day) for _owner, weekday, _o, _c, day in rows if weekday is None)
    return Calendar(
        time_zone=zoneinfo.ZoneInfo(library.timezone),
        hours={weekday: tuple(sorted(intervals)) for weekday, intervals in hours.items()},
        closed=closed,
    )
