"""Fines and paper notices under concurrency: many real clients, each with its own database connection (see
test_concurrency.py). The nightly jobs run in several workers at once; payments race for one balance."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Sum

from abonement.circulation import fines, reminders
from abonement.circulation.models import FineEntry
from abonement.circulation.tests.paper_loans import general_rule, paper_loan
from abonement.circulation.tests.test_concurrency import Clients
from abonement.notifications.models import Notice
from abonement.readers.models import Card

pytestmark = pytest.mark.django_db(transaction=True)

DUE = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # Friday 18:00 in Riga
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # the Friday after: 5 overdue opening days
WORKERS = 8


@pytest.fixture
def clients(transactional_db):
    pool = Clients(50 if connection.vendor == "postgresql" else 10)
    yield pool
    pool.close()


@pytest.fixture
def loans(library_factory, card_factory, title_factory):
    library = library_factory(timezone="Europe/Riga", opening_weekdays="12345", overdue_notice_every_days=3)
    general_rule(library, fine_per_day=10, fine_cap=40)
    titles = [title_factory(format="paper", network=library.network) for _ in range(2)]
    cards = [card_factory(library=library) for _ in range(30)]
    return [
        paper_loan(card=card, title=title, due_at=DUE - timedelta(days=i % 3))
        for title in titles
        for i, card in enumerate(cards)
    ]


def test_fine_jobs_in_many_workers_at_once_charge_each_day_once(clients, loans):
    results = clients.race([lambda: fines.charge_overdue_fines(now=NOW, batch_size=7) for _ in range(WORKERS)])
    assert results.errors == [], results.errors[:3]
    # each loan: 5+ overdue opening days × 10, capped at 40 → 4 entries
    assert sum(results.outcomes) == FineEntry.objects.count() == 4 * len(loans)
    for card in Card.objects.filter(loans__in=loans).distinct():
        ledger = FineEntry.objects.filter(card=card).aggregate(total=Sum("amount"))["total"]
        assert card.fines_owed == ledger == 80
        balances = list(FineEntry.objects.filter(card=card).order_by("id").values_list("balance_after", flat=True))
        assert balances == [10, 20, 30, 40, 50, 60, 70, 80]


def test_notice_jobs_in_many_workers_at_once_write_each_notice_once(clients, loans):
    jobs = [lambda: reminders.send_overdue_notices(now=NOW, batch_size=9) for _ in range(WORKERS)]
    results = clients.race(jobs)
    assert results.errors == [], results.errors[:3]
    assert sum(results.outcomes) == Notice.objects.count() == len(loans)
    assert Notice.objects.values("dedupe_key").distinct().count() == len(loans)


def test_concurrent_payments_never_take_the_balance_below_zero(clients, loans, librarian_factory):
    fines.charge_overdue_fines(now=NOW)
    card = Card.objects.filter(loans__in=loans).first()
    assert card.fines_owed == 80
    librarian = librarian_factory(library=card.library)
    results = clients.race(
        [lambda: fines.pay(librarian=librarian, card=card, amount=10, now=NOW) for _ in range(clients.size)]
    )
    assert results.errors == [], results.errors[:3]
    assert len(results.of(FineEntry)) == 8
    assert results.refusal_codes() == {"fine_amount_over_balance": clients.size - 8}
    card.refresh_from_db()
    assert card.fines_owed == 0 == FineEntry.objects.filter(card=card).aggregate(total=Sum("amount"))["total"]
