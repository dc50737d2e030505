"""Visits (SPEC R1, R3): a reader active on a day counts once per card and day, in the library's time zone."""

import zoneinfo
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abonement.reports.models import Visit
from abonement.reports.visits import forget_recorded, record_visit

RIGA = zoneinfo.ZoneInfo("Europe/Riga")


@pytest.fixture
def reader_with_two_cards(library_factory, card_factory, user_factory):
    alpha = library_factory(name="Alpha", timezone="Europe/Riga")
    beta = library_factory(name="Beta", timezone="America/New_York")
    person = user_factory()
    return person, card_factory(library=beta, user=person), card_factory(library=alpha, user=person)


@pytest.mark.django_db
def test_sign_in_and_page_views_make_one_visit_a_day(reader_with_two_cards, signed_in):
    person, _beta_card, alpha_card = reader_with_two_cards
    client = signed_in(person)
    assert client.get("/my/").status_code == 200
    assert client.get("/catalog/").status_code in {200, 302}
    assert list(Visit.objects.values_list("card", flat=True)) == [alpha_card.pk]


@pytest.mark.django_db
def test_after_the_first_visit_of_the_day_a_page_view_costs_no_query(reader_with_two_cards):
    person, _beta_card, _alpha_card = reader_with_two_cards
    now = datetime(2026, 4, 1, 10, 0, tzinfo=RIGA)
    record_visit(person.pk, now=now)
    with CaptureQueriesContext(connection) as queries:
        record_visit(person.pk, now=now.replace(hour=23, minute=59))
    assert len(queries) == 0
    assert Visit.objects.count() == 1


@pytest.mark.django_db
def test_the_day_is_the_library_s_day(reader_with_two_cards):
    person, _beta_card, alpha_card = reader_with_two_cards
    record_visit(person.pk, now=datetime(2026, 4, 1, 23, 30, tzinfo=RIGA))
    record_visit(person.pk, now=datetime(2026, 4, 2, 0, 30, tzinfo=RIGA))  # past midnight in Riga: a new day
    assert sorted(Visit.objects.filter(card=alpha_card).values_list("day", flat=True)) == [
        date(2026, 4, 1),
        date(2026, 4, 2),
    ]


@pytest.mark.django_db
def test_a_visit_goes_to_the_card_the_reader_acts_with(reader_with_two_cards):
    person, beta_card, alpha_card = reader_with_two_cards
    now = datetime(2026, 4, 1, 12, 0, tzinfo=RIGA)
    record_visit(person.pk, now=now)  # no card named: the first active card by library name (Alpha)
    record_visit(person.pk, beta_card.pk, now=now)  # a form named the Beta card
    visits = dict(Visit.objects.values_list("card", "day"))
    assert visits == {alpha_card.pk: date(2026, 4, 1), beta_card.pk: date(2026, 4, 1)}  # 05:00 in New York


@pytest.mark.django_db
def test_a_race_between_processes_leaves_one_row(reader_with_two_cards):
    person, _beta_card, _alpha_card = reader_with_two_cards
    now = datetime(2026, 4, 1, 12, 0, tzinfo=RIGA)
    record_visit(person.pk, now=now)
    forget_recorded()  # another process has not seen this visit
    record_visit(person.pk, now=now)
    assert Visit.objects.count() == 1


@pytest.mark.django_db
def test_staff_pages_and_people_without_cards_make_no_visits(
    library_factory, librarian_factory, card_factory, signed_in
):
    library = library_factory()
    librarian = librarian_factory(library=library)
    client = signed_in(librarian)
    assert client.get("/staff/").status_code == 200
    assert client.get("/my/").status_code == 200
    card_factory(library=library, user=librarian)  # the librarian is also a reader here
    assert client.get("/staff/readers/").status_code == 200
    assert Visit.objects.count() == 0
