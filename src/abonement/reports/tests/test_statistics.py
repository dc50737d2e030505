"""Statistics queries (SPEC R1–R4): counts per calendar day of the library's time zone."""

import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from django.utils import translation

from abonement.core import events
from abonement.core.models import Event
from abonement.libraries.models import CreditEntry
from abonement.readers.models import Group
from abonement.reports import statistics
from abonement.reports.models import Visit
from abonement.reports.statistics import Period, offset_segments

RIGA = zoneinfo.ZoneInfo("Europe/Riga")
UTC = zoneinfo.ZoneInfo("UTC")


def riga(*args) -> datetime:
    return datetime(*args, tzinfo=RIGA)


@pytest.fixture
def library(library_factory):
    return library_factory(timezone="Europe/Riga")


def test_offsets_of_a_period_across_the_spring_switch():
    period = Period(date(2026, 3, 1), date(2026, 4, 30), RIGA)
    segments = offset_segments(RIGA, period.since, period.until)
    # Riga moves from UTC+2 to UTC+3 at 01:00 UTC on the last Sunday of March.
    assert segments == [(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), 120), (None, 180)]


def test_offsets_of_a_winter_week_are_one_segment():
    period = Period(date(2026, 1, 5), date(2026, 1, 11), RIGA)
    assert offset_segments(RIGA, period.since, period.until) == [(None, 120)]


@pytest.mark.django_db
def test_general_counts_per_local_day_at_the_boundaries(library, card_factory, title_factory):
    card, title = card_factory(library=library), title_factory()
    # 23:59 local on 28 March (21:59 UTC) and 00:00 local on 29 March (22:00 UTC the day before).
    events.record(Event.Kind.ISSUED, library=library, card=card, title=title, now=riga(2026, 3, 28, 23, 59))
    events.record(Event.Kind.ISSUED, library=library, card=card, title=title, now=riga(2026, 3, 29, 0, 0))
    # After the switch to summer time: 00:30 local on 30 March is 21:30 UTC on 29 March.
    events.record(Event.Kind.ISSUED, library=library, card=card, title=title, now=riga(2026, 3, 30, 0, 30))
    events.record(Event.Kind.ISSUED, library=library, card=card, title=title, now=riga(2026, 3, 29, 23, 59))
    events.record(Event.Kind.READER_REGISTERED, library=library, card=card, now=riga(2026, 3, 29, 12, 0))
    events.record(Event.Kind.RETURNED, library=library, card=card, title=title, now=riga(2026, 3, 29, 12, 0))
    # Outside the period: the last second of 27 March and the first of 31 March.
    events.record(Event.Kind.ISSUED, library=library, card=card, title=title, now=riga(2026, 3, 27, 23, 59, 59))
    events.record(Event.Kind.ISSUED, library=library, card=card, title=title, now=riga(2026, 3, 31, 0, 0))
    CreditEntry.objects.create(library=library, kind="grant", amount=50, balance_after=50, at=riga(2026, 3, 28, 9))
    CreditEntry.objects.create(
        library=library, kind="acquisition", amount=-7, balance_after=43, at=riga(2026, 3, 30, 0, 10)
    )
    CreditEntry.objects.create(
        library=library, kind="acquisition", amount=-3, balance_after=40, at=riga(2026, 3, 30, 23, 50)
    )
    Visit.objects.create(library=library, card=card, day=date(2026, 3, 29))

    days = statistics.general(library, Period.of(library, date(2026, 3, 28), date(2026, 3, 30)))

    assert [(d.day.day, d.issued, d.visits, d.registrations, d.credits_spent) for d in days] == [
        (28, 1, 0, 0, 0),
        (29, 2, 1, 1, 0),
        (30, 1, 0, 0, 10),
    ]


@pytest.mark.django_db
def test_general_counts_only_the_library_asked_for(library, library_factory, card_factory, title_factory):
    other = library_factory(timezone="Europe/Riga")
    card, title = card_factory(library=other), title_factory()
    events.record(Event.Kind.ISSUED, library=other, card=card, title=title, now=riga(2026, 1, 10, 12))
    Visit.objects.create(library=other, card=card, day=date(2026, 1, 10))

    days = statistics.general(library, Period.of(library, date(2026, 1, 10), date(2026, 1, 10)))

    assert (days[0].issued, days[0].visits) == (0, 0)


@pytest.mark.django_db
def test_attendance_by_age_on_the_day(library, card_factory):
    day = date(2026, 5, 17)
    born = {
        "turns 15 tomorrow": date(2011, 5, 18),
        "turned 15 today": date(2011, 5, 17),
        "30": date(1995, 5, 18),
        "turned 31 today": date(1995, 5, 17),
        "unknown": None,
    }
    for birth_date in born.values():
        card = card_factory(library=library, birth_date=birth_date)
        Visit.objects.create(library=library, card=card, day=day)
        Visit.objects.create(library=library, card=card, day=day + timedelta(days=1))

    rows = dict(statistics.attendance(library, Period.of(library, day, day + timedelta(days=1))))

    assert rows[day] == {"0-14": 1, "15-30": 2, "31+": 1, "unknown": 1}
    assert rows[day + timedelta(days=1)] == {"0-14": 0, "15-30": 2, "31+": 2, "unknown": 1}


@pytest.mark.django_db
def test_circulation_per_title(library, card_factory, title_factory):
    card, popular, bought = card_factory(library=library), title_factory(title="Popular"), title_factory(title="New")
    for hour in (9, 10, 11):
        events.record(Event.Kind.ISSUED, library=library, card=card, title=popular, now=riga(2026, 2, 2, hour))
    events.record(Event.Kind.COPY_ACQUIRED, library=library, card=card, title=bought, now=riga(2026, 2, 3, 9))
    events.record(Event.Kind.ISSUED, library=library, card=card, title=bought, now=riga(2026, 2, 3, 9))
    events.record(Event.Kind.ISSUED, library=library, card=card, title=bought, now=riga(2026, 2, 4, 9))  # after

    rows = statistics.circulation(library, Period.of(library, date(2026, 2, 1), date(2026, 2, 3)))

    assert [(r["title__title"], r["acquired"], r["issued"]) for r in rows] == [("Popular", 0, 3), ("New", 1, 1)]


@pytest.mark.django_db
def test_event_rows_carry_reader_age_groups_and_title(library, card_factory, title_factory, librarian_factory):
    librarian = librarian_factory(library=library, first_name="Anna", last_name="Bērziņa")
    card = card_factory(library=library, full_name="Ёлка Ķēniņš", birth_date=date(2012, 3, 5))
    card.groups.add(
        Group.objects.create(library=library, name="7 B"), Group.objects.create(library=library, name="Chess")
    )
    title = title_factory(title="Алые паруса")
    events.record(
        Event.Kind.REQUEST_REJECTED,
        actor=librarian,
        library=library,
        card=card,
        title=title,
        reason="No copies",
        now=riga(2026, 3, 5, 0, 15),
    )
    events.record(Event.Kind.ISSUED, library=library, card=card, title=title, now=riga(2026, 3, 5, 10))

    period = Period.of(library, date(2026, 3, 5), date(2026, 3, 5))
    with translation.override("en"):
        rows = list(statistics.event_rows(library, period, [Event.Kind.REQUEST_REJECTED]))

    assert rows == [
        [
            datetime(2026, 3, 5, 0, 15),
            "Anna Bērziņa",
            "Request rejected",
            "No copies",
            card.number,
            "Ёлка Ķēniņš",
            14,
            "7 B, Chess",
            title.pk,
            "Алые паруса",
        ]
    ]
    both = list(statistics.event_rows(library, period, [Event.Kind.REQUEST_REJECTED, Event.Kind.ISSUED]))
    assert [r[1] for r in both] == ["Anna Bērziņa", "System"]


@pytest.mark.django_db
def test_event_rows_of_a_long_period_come_oldest_first_across_weeks(library, card_factory, title_factory):
    card, title = card_factory(library=library), title_factory()
    moments = [riga(2026, 1, 20, 8), riga(2026, 1, 1, 0, 0), riga(2026, 1, 8, 0, 0), riga(2026, 1, 7, 23, 59)]
    for moment in moments:
        events.record(Event.Kind.ISSUED, library=library, card=card, title=title, now=moment)
    events.record(Event.Kind.ISSUED, library=library, card=card, title=title, now=riga(2026, 1, 21, 0, 0))  # after

    period = Period.of(library, date(2026, 1, 1), date(2026, 1, 20))
    rows = list(statistics.event_rows(library, period, [Event.Kind.ISSUED]))

    assert [r[0] for r in rows] == sorted(m.replace(tzinfo=None) for m in moments)
