"""Paper circulation in the reports (SPEC R1, R2, R4; issue #14): its events in the events report, its filter
and files; check-outs counted as loans issued beside e-book issues."""

import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import translation

from abonement.core import clock, events
from abonement.core.models import Event
from abonement.reports import statistics
from abonement.reports.statistics import Period
from abonement.reports.tests.test_views import csv_rows, xlsx_rows
from abonement.testing.factories import TEST_PASSWORD

RIGA = zoneinfo.ZoneInfo("Europe/Riga")
PAPER_KINDS = [
    Event.Kind.RESERVED,
    Event.Kind.RESERVATION_APPROVED,
    Event.Kind.RESERVATION_REFUSED,
    Event.Kind.RESERVATION_LAPSED,
    Event.Kind.RESERVATION_CANCELLED,
    Event.Kind.SET_ASIDE,
    Event.Kind.HOLD_LAPSED,
    Event.Kind.CHECKED_OUT,
    Event.Kind.CHECKED_IN,
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


@pytest.fixture
def paper(library_factory, librarian_factory, card_factory, title_factory, signed_in):
    """A library in Riga with one event of every paper kind today, a minute apart, in that order."""
    library = library_factory(timezone="Europe/Riga")
    card = card_factory(library=library, full_name="Ilze Ozola", birth_date=date(1990, 6, 1))
    title = title_factory(title="Zaļā zeme")
    librarian = librarian_factory(library=library)
    today = clock.now().astimezone(RIGA).date()
    morning = datetime.combine(today, datetime.min.time(), tzinfo=RIGA) + timedelta(minutes=1)
    for n, kind in enumerate(PAPER_KINDS):
        refused = kind in {Event.Kind.RESERVATION_REFUSED, Event.Kind.RENEWAL_REFUSED, Event.Kind.BLOCK_OVERRIDDEN}
        events.record(
            kind,
            actor=librarian,
            library=library,
            card=card,
            title=title,
            reason="Others are waiting" if refused else "",
            now=morning + timedelta(minutes=n),
        )
    return {
        "library": library,
        "card": card,
        "title": title,
        "librarian": librarian,
        "client": signed_in(librarian),
        "today": today,
        "morning": morning,
    }


def test_every_paper_kind_is_offered_by_the_events_report():
    offered = set(statistics.EVENT_REPORT_KINDS)
    assert [kind for kind in PAPER_KINDS if kind not in offered] == []


def test_every_paper_kind_has_a_russian_and_a_latvian_label():
    with translation.override("en"):
        english = {kind: str(kind.label) for kind in PAPER_KINDS}
    for language in ("ru", "lv"):
        with translation.override(language):
            untranslated = [english[kind] for kind in PAPER_KINDS if str(kind.label) == english[kind]]
        assert untranslated == [], language


@pytest.mark.django_db
def test_the_first_visit_lists_paper_events_and_offers_their_filter(paper):
    response = paper["client"].get("/staff/reports/events/")
    assert response.status_code == 200
    page = response.content.decode()
    for kind in PAPER_KINDS:
        assert f'value="{kind.value}"' in page, kind  # a checkbox of the filter, ticked by default
        assert f"<td>{kind.label}</td>" in page, kind
    assert response.context["total"] == len(PAPER_KINDS)
    assert "<td>Others are waiting</td>" in page


@pytest.mark.django_db
def test_the_filter_picks_paper_kinds(paper):
    response = paper["client"].get("/staff/reports/events/", {"preset": "today", "kinds": ["checked_out", "fine_paid"]})
    assert response.status_code == 200
    assert [row[2] for row in response.context["rows"]] == ["Checked out", "Fine paid"]
    assert response.context["total"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_paper_events_in_the_files(paper, fmt):
    response = paper["client"].get(
        "/staff/reports/events/", {"preset": "today", "kinds": [k.value for k in PAPER_KINDS], "format": fmt}
    )
    assert response.status_code == 200
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert [row[2] for row in rows[1:]] == [str(kind.label) for kind in PAPER_KINDS]
    refused = rows[1 + PAPER_KINDS.index(Event.Kind.RENEWAL_REFUSED)]
    assert (refused[1], refused[3], refused[4], refused[5], refused[9]) == (
        paper["librarian"].get_full_name() or paper["librarian"].get_username(),
        "Others are waiting",
        paper["card"].number,
        "Ilze Ozola",
        "Zaļā zeme",
    )


@pytest.mark.django_db
def test_paper_events_in_latvian(paper):
    librarian = paper["librarian"]
    librarian.language = "lv"
    librarian.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE="lv")
    assert client.post("/login/", {"identifier": librarian.username, "password": TEST_PASSWORD}).status_code == 302
    response = client.get(
        "/staff/reports/events/", {"preset": "today", "kinds": ["checked_out", "renewed"], "format": "csv"}
    )
    assert [row[2] for row in csv_rows(response)[1:]] == ["Izsniegts", "Pagarināts"]


@pytest.mark.django_db
def test_loans_issued_count_e_book_issues_and_paper_check_outs(paper):
    library, card, title = paper["library"], paper["card"], paper["title"]
    events.record(Event.Kind.ISSUED, library=library, card=card, title=title, now=paper["morning"])
    events.record(Event.Kind.CHECKED_OUT, library=library, card=card, title=title, now=paper["morning"])

    days = statistics.general(library, Period.of(library, paper["today"], paper["today"]))
    assert [(d.issued, d.ebooks, d.paper) for d in days] == [(3, 1, 2)]

    response = paper["client"].get("/staff/reports/", {"preset": "today"})
    assert response.context["rows"] == [[paper["today"], 3, 1, 2, 0, 0, 0]]
    sheet = xlsx_rows(paper["client"].get("/staff/reports/", {"preset": "today", "format": "xlsx"}))
    assert list(sheet[0][:4]) == ["Day", "Loans issued", "of them e-books", "of them paper books"]
    assert list(sheet[1][1:4]) == [3, 1, 2]


@pytest.mark.django_db
def test_circulation_per_title_counts_paper_check_outs(paper, title_factory):
    library, card = paper["library"], paper["card"]
    ebook = title_factory(title="E-grāmata")
    events.record(Event.Kind.ISSUED, library=library, card=card, title=ebook, now=paper["morning"])
    events.record(Event.Kind.CHECKED_OUT, library=library, card=card, title=paper["title"], now=paper["morning"])

    response = paper["client"].get("/staff/reports/circulation/", {"preset": "today"})

    # The paper title: two check-outs (the fixture's and this one); the e-book: one issue. A check-in is no loan.
    assert [(row[1], row[3]) for row in response.context["rows"]] == [("Zaļā zeme", 2), ("E-grāmata", 1)]
    table = csv_rows(paper["client"].get("/staff/reports/circulation/", {"preset": "today", "format": "csv"}))
    assert [(row[1], row[3]) for row in table[1:]] == [("Zaļā zeme", "2"), ("E-grāmata", "1")]
