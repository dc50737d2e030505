"""Statistics of one library for a period (SPEC R1–R4). Days are the library's calendar days.

Each report is a few GROUP BY queries, whatever the length of the period; the events report is a lazy
iterator of plain tuples, never model objects, so a million rows stream in flat memory.
"""

import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from abonement.core.models import Event
from abonement.libraries.models import CreditEntry, Library
from abonement.readers.models import Card
from abonement.reports.models import Visit

# What the events report offers (SPEC R2: "every target action"); sign-ins and other security events
# carry no library and are not reader or librarian work on the fund.
EVENT_REPORT_KINDS = [
    Event.Kind.ISSUED,
    Event.Kind.RETURNED,
    Event.Kind.LOAN_EXPIRED,
    Event.Kind.REQUESTED,
    Event.Kind.REQUEST_CANCELLED,
    Event.Kind.REQUEST_APPROVED,
    Event.Kind.REQUEST_REJECTED,
    Event.Kind.QUEUED,
    Event.Kind.QUEUE_LEFT,
    Event.Kind.QUEUE_SKIPPED,
    Event.Kind.COPY_ACQUIRED,
    Event.Kind.READER_REGISTERED,
    Event.Kind.READER_CHANGED,
    Event.Kind.READER_BLOCKED,
    Event.Kind.READER_UNBLOCKED,
    Event.Kind.CREDITS_GRANTED,
    # Paper circulation (SPEC P1–P7, issue #14).
    Event.Kind.CHECKED_OUT,
    Event.Kind.CHECKED_IN,
    Event.Kind.RESERVED,
    Event.Kind.RESERVATION_APPROVED,
    Event.Kind.RESERVATION_REFUSED,
    Event.Kind.RESERVATION_CANCELLED,
    Event.Kind.RESERVATION_LAPSED,
    Event.Kind.SET_ASIDE,
    Event.Kind.HOLD_LAPSED,
    Event.Kind.RENEWAL_REQUESTED,
    Event.Kind.RENEWED,
    Event.Kind.RENEWAL_REFUSED,
    Event.Kind.FINE_CHARGED,
    Event.Kind.FINE_PAID,
    Event.Kind.FINE_WAIVED,
    Event.Kind.BLOCK_OVERRIDDEN,
    Event.Kind.CALENDAR_CHANGED,
    Event.Kind.CIRCULATION_RULE_CHANGED,
]
# A loan issued (SPEC R1, R4): an e-book issue or a paper check-out at the desk.
LOAN_KINDS = [Event.Kind.ISSUED, Event.Kind.CHECKED_OUT]
AGE_BANDS = ["0-14", "15-30", "31+", "unknown"]


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included, in `tz`."""

    start: date
    end: date
    tz: zoneinfo.ZoneInfo

    @classmethod
    def of(cls, library: Library, start: date, end: date) -> "Period":
        return cls(start, end, zoneinfo.ZoneInfo(library.timezone))

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=self.tz)

    @property
    def until(self) -> datetime:
        """The first instant after the period (midnight after the last day)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.tz)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def _offset(tz, instant: datetime) -> timedelta:
    return instant.astimezone(tz).utcoffset()


def offset_segments(tz, since: datetime, until: datetime) -> list[tuple[datetime | None, int]]:
    """The zone's UTC offsets over [since, until): [(ends_at, minutes)...], the last one open (None).

    Offsets are sampled each day and a change is found to the minute by bisection (DST switches on a minute).
    Arithmetic in UTC: Python adds to zone-aware datetimes in wall-clock time.
    """
    segments = []
    day, until = since.astimezone(UTC), until.astimezone(UTC)
    current = _offset(tz, day)
    while day < until:
        following = min(day + timedelta(days=1), until)
        if _offset(tz, following) != current:
            low, high = 0, int((following - day).total_seconds() // 60)
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if _offset(tz, day + timedelta(minutes=middle)) == current else (low, middle)
            switch = day + timedelta(minutes=high)
            segments.append((switch, int(current.total_seconds() // 60)))
            current = _offset(tz, switch)
        day = following
    segments.append((None, int(current.total_seconds() // 60)))
    return segments


class LocalDate(TruncDate):
    """The calendar day of a timestamp in the period's zone, for GROUP BY.

    PostgreSQL: `(at AT TIME ZONE zone)::date`, as Django does. SQLite: Django's version calls a Python
    function per row (about a second for 300,000 rows); SQLite's own date(at, '+N minutes'), with a CASE
    over the zone's offsets in the period, stays in C and gives the same days.
    """

    def __init__(self, expression, *, period: Period):
        super().__init__(expression, tzinfo=period.tz)
        self.segments = offset_segments(period.tz, period.since, period.until)

    def as_sqlite(self, compiler, connection, **extra):
        column, column_params = compiler.compile(self.lhs)
        if len(self.segments) == 1:
            return f"date({column}, %s)", (*column_params, f"{self.segments[0][1]:+d} minutes")
        sql, params = ["CASE"], []
        for ends_at, minutes in self.segments[:-1]:
            sql.append(f"WHEN {column} < %s THEN date({column}, %s)")
            params += [
                *column_params,
                connection.ops.adapt_datetimefield_value(ends_at),
                *column_params,
                f"{minutes:+d} minutes",
            ]
        sql.append(f"ELSE date({column}, %s) END")
        params += [*column_params, f"{self.segments[-1][1]:+d} minutes"]
        return " ".join(sql), tuple(params)


def _count_per_day(queryset, period: Period, *, group_by=(), value=None) -> list[dict]:
    return list(
        queryset.filter(at__gte=period.since, at__lt=period.until)
        .annotate(day=LocalDate("at", period=period))
        .values("day", *group_by)
        .annotate(n=value or Count("*"))
        .order_by()
    )


# ---- R1 general ------------------------------------------------------------------------------------


@dataclass
class DayFigures:
    day: date
    issued: int = 0  # loans issued, e-book and paper
    visits: int = 0
    registrations: int = 0
    credits_spent: int = 0
    ebooks: int = 0  # of `issued`: e-book issues
    paper: int = 0  # of `issued`: paper check-outs


def general(library: Library, period: Period) -> list[DayFigures]:
    figures = {day: DayFigures(day) for day in period.days}
    events = Event.objects.filter(library=library, kind__in=[*LOAN_KINDS, Event.Kind.READER_REGISTERED])
    fields = {
        Event.Kind.ISSUED: "ebooks",
        Event.Kind.CHECKED_OUT: "paper",
        Event.Kind.READER_REGISTERED: "registrations",
    }
    for row in _count_per_day(events, period, group_by=["kind"]):
        setattr(figures[row["day"]], fields[row["kind"]], row["n"])
    for figure in figures.values():
        figure.issued = figure.ebooks + figure.paper
    spent = CreditEntry.objects.filter(library=library, kind=CreditEntry.Kind.ACQUISITION)
    for row in _count_per_day(spent, period, value=Sum("amount")):
        figures[row["day"]].credits_spent = -row["n"]
    visits = (
        Visit.objects.filter(library=library, day__gte=period.start, day__lte=period.end)
        .values("day")
        .annotate(n=Count("*"))
        .order_by()
    )
    for row in visits:
        figures[row["day"]].visits = row["n"]
    return list(figures.values())


# ---- R3 attendance ---------------------------------------------------------------------------------


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    if age <= 14:
        return "0-14"
    return "15-30" if age <= 30 else "31+"


def attendance(library: Library, period: Period) -> list[tuple[date, dict[str, int]]]:
    """Readers active each day by age band (age on that day)."""
    bands = {day: dict.fromkeys(AGE_BANDS, 0) for day in period.days}
    rows = (
        Visit.objects.filter(library=library, day__gte=period.start, day__lte=period.end)
        .values_list("day", "card__birth_date")
        .annotate(n=Count("*"))
        .order_by()
    )
    for day, born, n in rows:
        bands[day][age_band(age_on(born, day))] += n
    return list(bands.items())


# ---- R4 circulation --------------------------------------------------------------------------------


def circulation(library: Library, period: Period) -> list[dict]:
    """Per title: copies acquired and loans issued (e-book issues and paper check-outs) in the period, most issued
    first."""
    return list(
        Event.objects.filter(
            library=library,
            kind__in=[Event.Kind.COPY_ACQUIRED, *LOAN_KINDS],
            at__gte=period.since,
            at__lt=period.until,
            title__isnull=False,
        )
        .values("title_id", "title__title")
        .annotate(
            acquired=Count("id", filter=Q(kind=Event.Kind.COPY_ACQUIRED)),
            issued=Count("id", filter=Q(kind__in=LOAN_KINDS)),
        )
        .order_by("-issued", "-acquired", "title__title", "title_id")
    )


# ---- R2 events -------------------------------------------------------------------------------------

EVENT_COLUMNS = [
    "at",
    "actor_label",
    "kind",
    "reason",
    "card_id",
    "card__number",
    "card__full_name",
    "card__birth_date",
    "title_id",
    "title__title",
]


# The events report reads a week at a time: each query sorts a few thousand rows, where one query for a year
# made SQLite sort a million rows in memory (+250 MB; BENCHMARKS.md).
EVENT_WINDOW_DAYS = 7


def events_queryset(library: Library, period: Period, kinds):
    return Event.objects.filter(library=library, kind__in=kinds, at__gte=period.since, at__lt=period.until)


def event_header() -> list[str]:
    return [
        _("Date and time"),
        _("User"),
        _("Event"),
        _("Rejection reason"),
        _("Card number"),
        _("Reader"),
        _("Age"),
        _("Reader's groups"),
        _("Title ID"),
        _("Title"),
    ]


def event_rows(library: Library, period: Period, kinds) -> Iterator[list]:
    """One list per event, oldest first; labels in the active language."""
    labels = {value: str(label) for value, label in Event.Kind.choices}
    groups = defaultdict(list)
    memberships = Card.groups.through.objects.filter(card__library=library).order_by("group__name")
    for card_id, name in memberships.values_list("card_id", "group__name").iterator(chunk_size=5000):
        groups[card_id].append(name)
    joined = {card_id: ", ".join(names) for card_id, names in groups.items()}
    for window in _windows(period):
        rows = events_queryset(library, window, kinds).order_by("at", "id").values_list(*EVENT_COLUMNS)
        for at, actor, kind, reason, card_id, number, name, born, title_id, title in rows.iterator(chunk_size=5000):
            local = at.astimezone(period.tz)
            yield [
                local.replace(tzinfo=None),
                actor,
                labels.get(kind, kind),
                reason,
                number,
                name,
                age_on(born, local.date()),
                joined.get(card_id, ""),
                title_id,
                title,
            ]


def _windows(period: Period, days: int = EVENT_WINDOW_DAYS) -> Iterator[Period]:
    """The period in consecutive slices, oldest first."""
    start = period.start
    while start <= period.end:
        end = min(start + timedelta(days=days - 1), period.end)
        yield Period(start, end, period.tz)
        start = end + timedelta(days=1)
