"""Bulk import below the pages: reading limits, header detection, query count, the all-or-nothing register()."""

from datetime import date

import pytest
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from abonement.accounts.models import User
from abonement.notifications.models import Notice
from abonement.readers import bulk, services
from abonement.readers.models import Card, Group

TODAY = date(2026, 3, 1)


def rows_text(count: int, start: int = 0) -> str:
    return "\n".join(f"Reader {n}\t01.09.2012\tr{n}@example.org\t\t5A" for n in range(start, start + count))


def test_exactly_the_limit_is_read_with_or_without_a_header():
    assert len(bulk.read_paste(rows_text(bulk.MAX_ROWS))) == bulk.MAX_ROWS
    assert len(bulk.read_paste("Name\tBirth date\tE-mail\n" + rows_text(bulk.MAX_ROWS))) == bulk.MAX_ROWS
    with pytest.raises(bulk.TooManyRows):
        bulk.read_paste(rows_text(bulk.MAX_ROWS + 1))


def test_rows_keep_the_line_numbers_of_the_paste():
    rows = bulk.read_paste("Name\tBirth date\tE-mail\tPhone\n\nAnna\t01.09.2012\ta@example.org\t\r\n\t\t\nIvan\tx")
    assert [(r.number, r.cells[0]) for r in rows] == [(3, "Anna"), (5, "Ivan")]


@pytest.mark.parametrize(
    "first_line",
    [
        "Dateva Anna\tunknown\tanna@mail.example.org\t",  # a name with "date" in it and an e-mail with "mail"
        "Anna\t31.02.2010\tanna@example.org\t",  # an impossible date is a mistake to show, not a header
        "Name\t\tanna@example.org\t",  # nothing under the birth date
    ],
)
def test_a_first_row_with_a_bad_date_is_data_not_a_header(first_line):
    rows = bulk.read_paste(first_line + "\nIvan\t01.09.2012\t\t79261234567")
    assert rows[0].number == 1


@pytest.mark.parametrize(
    ("today", "oldest_allowed"),
    [(date(2026, 3, 1), date(1906, 3, 1)), (date(2020, 2, 29), date(1900, 2, 28))],  # 1900 had no 29 February
)
def test_at_most_120_years_ago(db, today, oldest_allowed):
    def problems(born: date):
        line = f"Old\t{born:%d.%m.%Y}\told@example.org\t"
        with translation.override("en"):  # whatever language an earlier test left active
            return [e.message for e in bulk.check(bulk.read_paste(line), today=today).errors]

    assert problems(oldest_allowed) == []
    day_before = date.fromordinal(oldest_allowed.toordinal() - 1)
    assert problems(day_before) == [f"The birth date {day_before:%d.%m.%Y} is too long ago."]


def test_checking_a_thousand_rows_takes_two_queries(db, django_assert_num_queries, user_factory):
    user_factory(email="r500@example.org")
    user_factory(email=None, phone="+37120000999")
    text = "\n".join(f"Reader {n}\t01.09.2012\tr{n}@example.org\t3712000{n:04d}\tG{n % 7}" for n in range(1000))
    rows = bulk.read_paste(text)
    with django_assert_num_queries(2):
        checked = bulk.check(rows, today=TODAY)
    assert [(e.row, e.column) for e in checked.errors] == [(501, "email"), (1000, "phone")]


def test_valid_rows_become_new_readers(db):
    text = "Anna\t01.09.2012\tAnna@Example.org\t+371 2000 0000\t 5A ,, Chess club, 5a"
    checked = bulk.check(bulk.read_paste(text), today=TODAY)
    assert checked.readers == [
        services.NewReader(
            full_name="Anna",
            birth_date=date(2012, 9, 1),
            email="anna@example.org",
            phone="+37120000000",
            group_names=("5A", "Chess club"),
        )
    ]


@pytest.mark.django_db(transaction=True)
def test_register_is_all_or_nothing_when_an_email_was_taken_after_the_check(library_factory, librarian_factory):
    library = library_factory(contact_email="lib@example.org")
    librarian = librarian_factory(library=library)
    checked = bulk.check(bulk.read_paste(rows_text(3)), today=TODAY)
    assert checked.ok
    User.objects.create(username="meanwhile", email="r2@example.org")  # someone registers r2 in between
    before = (Card.objects.count(), User.objects.count(), Group.objects.count(), Notice.objects.count())
    with pytest.raises(services.RegisteredMeanwhile):
        bulk.register(librarian=librarian, library=library, readers=checked.readers, language="en")
    after = (Card.objects.count(), User.objects.count(), Group.objects.count(), Notice.objects.count())
    assert after == before and not DBTaskResult.objects.exists()


def test_register_queues_one_notice_per_reader_and_one_for_the_library(db, library_factory, librarian_factory):
    library = library_factory(contact_email="lib@example.org")
    checked = bulk.check(bulk.read_paste(rows_text(5)), today=TODAY)
    registered = bulk.register(
        librarian=librarian_factory(library=library),
        library=library,
        readers=checked.readers,
        language="en",
        email_library=True,
    )
    assert len(registered.issued) == 5 and registered.filename.endswith(".xlsx")
    assert Notice.objects.filter(kind="reader_credentials").count() == 5
    assert Notice.objects.get(kind="bulk_credentials").attachment_name == registered.filename
    assert DBTaskResult.objects.count() == 6
