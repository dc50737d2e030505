"""Fines (SPEC P4): the nightly charge per overdue opening day, capped; payments and waivers; the ledger."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import Sum

from abonement.circulation import fines
from abonement.circulation.models import FineEntry
from abonement.circulation.tests.paper_loans import general_rule, paper_loan
from abonement.circulation.tests.test_staff_lending_pages import signed_in
from abonement.core.models import Event
from abonement.libraries.models import ClosedDay
from abonement.readers.models import Card

pytestmark = pytest.mark.django_db

# Friday 20 November 2026, 18:00 in Riga (the library closes then): the loan's due date.
DUE = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
# Tuesday 24 November 10:00 UTC: Monday and Tuesday are overdue opening days (the weekend is closed).
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def library(library_factory):
    library = library_factory(timezone="Europe/Riga", opening_weekdays="12345", currency="EUR")
    general_rule(library, loan_days=21, fine_per_day=20, fine_cap=100)
    return library


@pytest.fixture
def card(library, card_factory):
    return card_factory(library=library)


@pytest.fixture
def paper_title(title_factory, library):
    return title_factory(format="paper", network=library.network)


def ledger_sum(card) -> int:
    return FineEntry.objects.filter(card=card).aggregate(total=Sum("amount"))["total"] or 0


def owed(card) -> int:
    return Card.objects.get(pk=card.pk).fines_owed


class TestNightlyCharge:
    def test_one_entry_per_overdue_opening_day_and_a_second_run_adds_nothing(self, card, paper_title):
        loan = paper_loan(card=card, title=paper_title, due_at=DUE)
        assert fines.charge_overdue_fines(now=TUESDAY) == 2
        entries = list(FineEntry.objects.filter(loan=loan).order_by("charged_for"))
        assert [(e.charged_for, e.amount) for e in entries] == [(date(2026, 11, 23), 20), (date(2026, 11, 24), 20)]
        assert [e.balance_after for e in entries] == [20, 40]
        assert owed(card) == 40 == ledger_sum(card)
        # run again, same night and the night after
        assert fines.charge_overdue_fines(now=TUESDAY + timedelta(hours=1)) == 0
        assert FineEntry.objects.count() == 2 and owed(card) == 40
        assert fines.charge_overdue_fines(now=TUESDAY + timedelta(days=1)) == 1
        assert owed(card) == 60 == ledger_sum(card)
        event = Event.objects.filter(kind=Event.Kind.FINE_CHARGED).order_by("at").first()
        assert event.card_id == card.pk and event.details["amount"] == 40 and event.details["loans"] == [loan.pk]

    def test_the_fine_stops_at_the_cap(self, card, paper_title):
        paper_loan(card=card, title=paper_title, due_at=DUE)
        fines.charge_overdue_fines(now=TUESDAY + timedelta(days=2))  # Mon–Thu: 4 × 20 = 80
        fines.charge_overdue_fines(now=TUESDAY + timedelta(days=14))  # 80 + 20 reaches the cap of 100
        assert owed(card) == 100 == ledger_sum(card)
        assert fines.charge_overdue_fines(now=TUESDAY + timedelta(days=30)) == 0
        assert owed(card) == 100

    def test_a_public_holiday_is_not_an_overdue_day(self, library, card, paper_title):
        ClosedDay.objects.create(library=library, day=date(2026, 11, 23))
        paper_loan(card=card, title=paper_title, due_at=DUE)
        assert fines.charge_overdue_fines(now=TUESDAY) == 1
        assert list(FineEntry.objects.values_list("charged_for", flat=True)) == [date(2026, 11, 24)]

    def test_no_fine_when_the_rule_has_none_or_the_loan_is_not_late(self, library, card, card_factory, paper_title):
        library.circulation_rules.update(fine_per_day=0)
        paper_loan(card=card, title=paper_title, due_at=DUE)
        paper_loan(card=card_factory(library=library), title=paper_title, due_at=TUESDAY + timedelta(days=3))
        assert fines.charge_overdue_fines(now=TUESDAY) == 0
        assert not FineEntry.objects.exists()


@pytest.fixture
def fined(card, paper_title):
    paper_loan(card=card, title=paper_title, due_at=DUE)
    fines.charge_overdue_fines(now=TUESDAY + timedelta(days=3))  # 5 opening days, capped at 100
    assert owed(card) == 100
    return card


class TestPayAndWaive:
    def test_part_payment_then_waiver_through_the_reader_page(self, library, librarian_factory, fined):
        client = signed_in(librarian_factory(library=library))
        page = client.get(f"/staff/readers/{fined.pk}/")
        assert page.status_code == 200 and "Owes: 1.00 EUR" in page.text
        response = client.post(f"/staff/readers/{fined.pk}/fines/pay/", {"amount": "0,40", "note": "cash"})
        assert response.status_code == 302
        assert owed(fined) == 60 == ledger_sum(fined)
        response = client.post(f"/staff/readers/{fined.pk}/fines/waive/", {"amount": "", "reason": "First time"})
        assert response.status_code == 302
        assert owed(fined) == 0 == ledger_sum(fined)
        waiver = FineEntry.objects.get(kind=FineEntry.Kind.WAIVER)
        assert waiver.amount == -60 and waiver.note == "First time" and waiver.balance_after == 0
        kinds = set(Event.objects.filter(card=fined).values_list("kind", flat=True))
        assert {Event.Kind.FINE_PAID, Event.Kind.FINE_WAIVED} <= kinds

    @pytest.mark.parametrize(
        ("amount", "message"),
        [
            ("-1", "greater than zero"),
            ("0", "greater than zero"),
            ("abc", "greater than zero"),
            ("0.001", "greater than zero"),
            ("1.01", "more than the reader owes"),
        ],
    )
    def test_bad_payments_change_nothing(self, library, librarian_factory, fined, amount, message):
        client = signed_in(librarian_factory(library=library))
        response = client.post(f"/staff/readers/{fined.pk}/fines/pay/", {"amount": amount})
        assert response.status_code == 400
        assert "Amount" in response.text and message in response.text
        assert owed(fined) == 100 == ledger_sum(fined)
        assert not FineEntry.objects.exclude(kind=FineEntry.Kind.CHARGE).exists()

    def test_a_waiver_needs_a_reason(self, library, librarian_factory, fined):
        client = signed_in(librarian_factory(library=library))
        response = client.post(f"/staff/readers/{fined.pk}/fines/waive/", {"amount": "0.50", "reason": " "})
        assert response.status_code == 400 and "Reason" in response.text
        assert owed(fined) == 100

    def test_another_librarys_reader_is_not_found(self, library_factory, librarian_factory, fined):
        client = signed_in(librarian_factory(library=library_factory()))
        assert client.post(f"/staff/readers/{fined.pk}/fines/pay/", {"amount": "0.10"}).status_code == 404
        assert owed(fined) == 100

    def test_the_service_refuses_over_balance(self, librarian_factory, library, fined):
        with pytest.raises(fines.AmountOverBalance):
            fines.pay(librarian=librarian_factory(library=library), card=fined, amount=101)
        assert owed(fined) == 100 == ledger_sum(fined)
