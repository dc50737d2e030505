"""The opening calendar (SPEC P2): opening days, deadlines at closing time, DST and public holidays."""

import zoneinfo
from datetime import date, datetime, time

import pytest
from django.utils import translation

from abonement.libraries.calendar import (
    Calendar,
    ClosingBeforeOpening,
    NeverOpen,
    OverlappingHours,
    calendar_for,
    check_hours,
)
from abonement.libraries.models import ClosedDay, OpeningHours

RIGA = zoneinfo.ZoneInfo("Europe/Riga")
WEEKDAYS_10_TO_18 = {weekday: ((time(10), time(18)),) for weekday in range(5)}


def riga_calendar(**kwargs) -> Calendar:
    return Calendar(time_zone=RIGA, hours=kwargs.pop("hours", WEEKDAYS_10_TO_18), **kwargs)


def test_weekend_and_holiday_are_skipped():
    # Thursday 2026-06-18; 23 and 24 June (Līgo, Jāņi) are public holidays in Latvia
    calendar = riga_calendar(closed=frozenset({date(2026, 6, 23), date(2026, 6, 24)}))
    assert calendar.is_open(date(2026, 6, 18)) and not calendar.is_open(date(2026, 6, 20))
    # after Thursday: Fri 19, Mon 22, Thu 25 (Tue, Wed are holidays)
    assert calendar.nth_opening_day_after(date(2026, 6, 18), 1) == date(2026, 6, 19)
    assert calendar.nth_opening_day_after(date(2026, 6, 18), 2) == date(2026, 6, 22)
    assert calendar.nth_opening_day_after(date(2026, 6, 18), 3) == date(2026, 6, 25)
    assert calendar.opening_days_between(date(2026, 6, 18), date(2026, 6, 25)) == 3
    assert calendar.opening_days_before(date(2026, 6, 25), 2) == date(2026, 6, 19)


def test_deadline_lands_at_closing_time_across_the_dst_change():
    # Riga moves to summer time on Sunday 2026-03-29 (UTC+2 → UTC+3)
    calendar = riga_calendar()
    approved = datetime(2026, 3, 27, 9, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))  # Friday
    deadline = calendar.deadline(approved, 3)  # Mon 30, Tue 31, Wed 1 April
    assert deadline == datetime(2026, 4, 1, 18, 0, tzinfo=RIGA)
    assert deadline.utcoffset().total_seconds() == 3 * 3600
    assert deadline.astimezone(zoneinfo.ZoneInfo("UTC")).hour == 15


def test_due_date_on_a_closed_day_moves_to_the_next_opening_day():
    calendar = riga_calendar(closed=frozenset({date(2026, 12, 25)}))
    started = datetime(2026, 11, 25, 12, tzinfo=RIGA)  # + 30 days = Friday 25 December, a holiday
    assert calendar.due(started, 30) == datetime(2026, 12, 28, 18, tzinfo=RIGA)


def test_the_last_interval_of_a_day_is_its_closing_time():
    hours = {0: ((time(9), time(13)), (time(14), time(19)))}
    calendar = riga_calendar(hours=hours)
    assert calendar.closing_time(date(2026, 12, 7)) == datetime(2026, 12, 7, 19, tzinfo=RIGA)


def test_a_calendar_that_never_opens_is_refused_not_looped():
    with pytest.raises(NeverOpen):
        riga_calendar(hours={}).nth_opening_day_after(date(2026, 1, 1), 1)


def test_overlapping_or_reversed_hours_are_refused_with_the_weekday():
    with pytest.raises(OverlappingHours) as overlap:
        check_hours([(0, time(9), time(13)), (0, time(12), time(18))])
    with translation.override("en"):
        assert str(overlap.value.params["weekday"]) == "Monday"
    assert (overlap.value.params["first"], overlap.value.params["second"]) == ("09:00–13:00", "12:00–18:00")
    with pytest.raises(ClosingBeforeOpening):
        check_hours([(2, time(18), time(9))])
    check_hours([(0, time(9), time(13)), (0, time(13), time(18)), (1, time(9), time(13))])


def test_a_branch_keeps_its_central_librarys_hours_and_holidays(db, library_factory):
    central = library_factory(timezone="Europe/Riga")
    branch = library_factory(network=central.network, parent=central, timezone="Europe/Riga")
    OpeningHours.objects.create(library=central, weekday=5, opens=time(10), closes=time(14))  # Saturdays only
    ClosedDay.objects.create(library=central, day=date(2026, 11, 21), name="Sanitary day")
    calendar = calendar_for(branch)
    assert calendar.is_open(date(2026, 11, 28)) and not calendar.is_open(date(2026, 11, 21))
    assert not calendar.is_open(date(2026, 11, 23))  # a Monday
    OpeningHours.objects.create(library=branch, weekday=0, opens=time(10), closes=time(17))
    calendar = calendar_for(branch)
    assert calendar.is_open(date(2026, 11, 23)) and not calendar.is_open(date(2026, 11, 28))


def test_without_hours_the_opening_weekdays_apply(db, library_factory):
    library = library_factory(opening_weekdays="135", timezone="Europe/Moscow")
    calendar = calendar_for(library)
    assert [calendar.is_open(date(2026, 11, 23 + offset)) for offset in range(7)] == [
        True,
        False,
        True,
        False,
        True,
        False,
        False,
    ]
    assert calendar.closing_time(date(2026, 11, 23)) == datetime(
        2026, 11, 23, 18, tzinfo=zoneinfo.ZoneInfo("Europe/Moscow")
    )


def test_public_holidays_of_latvia_and_russia():
    from abonement.libraries.holidays import public_holidays, western_easter

    assert western_easter(2026) == date(2026, 4, 5) and western_easter(2027) == date(2027, 3, 28)
    lv = dict(public_holidays("lv", 2026))
    assert {date(2026, 4, 3), date(2026, 4, 6), date(2026, 6, 23), date(2026, 6, 24), date(2026, 11, 18)} <= set(lv)
    # 4 May 2026 is a Monday: no transfer; 18 November 2028 is a Saturday: Monday 20th is off too
    assert date(2026, 5, 5) not in lv and date(2028, 11, 20) in dict(public_holidays("lv", 2028))
    ru = dict(public_holidays("ru", 2026))
    assert {date(2026, 1, 7), date(2026, 5, 9), date(2026, 11, 4)} <= set(ru) and len(ru) == 14
