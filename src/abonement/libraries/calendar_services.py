"""Staff editing of a library's opening calendar (SPEC P2): weekly hours, closed days, public holidays.

Each change is one transaction under the library's row lock and writes a CALENDAR_CHANGED event."""

from datetime import date, datetime, time

from django.db import transaction

from abonement.core import clock, events
from abonement.core.models import Event
from abonement.libraries import holidays
from abonement.libraries.calendar import ClosedDayInPast, calendar_for, check_hours
from abonement.libraries.models import ClosedDay, Library, OpeningHours


def _locked(library: Library) -> Library:
    return Library.objects.select_for_update().get(pk=library.pk)


@transaction.atomic
def set_opening_hours(*, actor, library: Library, intervals: list[tuple[int, time, time]], now=None) -> None:
    """Replace the library's weekly hours by `intervals` ((weekday 0–6, opens, closes), several a day allowed).
    An empty list removes the library's own hours (a branch then keeps its central library's)."""
    check_hours(intervals)
    library = _locked(library)
    OpeningHours.objects.filter(library=library).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(library=library, weekday=weekday, opens=opens, closes=closes)
        for weekday, opens, closes in sorted(intervals)
    )
    events.record(
        Event.Kind.CALENDAR_CHANGED,
        actor=actor,
        library=library,
        now=now,
        change="hours",
        hours=[[weekday, f"{opens:%H:%M}", f"{closes:%H:%M}"] for weekday, opens, closes in sorted(intervals)],
    )


@transaction.atomic
def add_closed_day(*, actor, library: Library, day: date, name: str, now: datetime | None = None) -> ClosedDay:
    """Close the library on `day` (today or later); a date already closed gets the new reason."""
    now = now or clock.now()
    library = _locked(library)
    if day < calendar_for(library).local_date(now):
        raise ClosedDayInPast(day=day.strftime("%d.%m.%Y"))
    closed, _created = ClosedDay.objects.update_or_create(library=library, day=day, defaults={"name": name})
    events.record(
        Event.Kind.CALENDAR_CHANGED, actor=actor, library=library, now=now, change="closed_day", day=day.isoformat()
    )
    return closed


@transaction.atomic
def remove_closed_day(*, actor, library: Library, closed_day_id: int, now=None) -> None:
    library = _locked(library)
    closed = ClosedDay.objects.get(library=library, pk=closed_day_id)
    closed.delete()
    events.record(
        Event.Kind.CALENDAR_CHANGED,
        actor=actor,
        library=library,
        now=now,
        change="closed_day_removed",
        day=closed.day.isoformat(),
    )


@transaction.atomic
def add_public_holidays(*, actor, library: Library, country: str, year: int, now=None) -> int:
    """Add the country's public holidays of `year` as closed days; dates already closed are skipped. Returns how
    many were added."""
    library = _locked(library)
    present = set(ClosedDay.objects.filter(library=library, day__year=year).values_list("day", flat=True))
    new = {}
    for day, name in holidays.public_holidays(country, year):
        if day not in present and day not in new:
            new[day] = ClosedDay(library=library, day=day, name=str(name), public_holiday=True)
    ClosedDay.objects.bulk_create(new.values())
    events.record(
        Event.Kind.CALENDAR_CHANGED,
        actor=actor,
        library=library,
        now=now,
        change="public_holidays",
        country=country,
        year=year,
        added=len(new),
    )
    return len(new)
