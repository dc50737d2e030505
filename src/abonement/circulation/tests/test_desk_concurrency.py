"""The desk under concurrency (issue #14): many real clients, each with its own database connection (the
`Clients` of test_concurrency.py). Every race asserts zero errors, then the rows against the invariants."""

from datetime import UTC, datetime, timedelta

import pytest

from abonement.catalog.models import Item
from abonement.circulation import desk
from abonement.circulation.models import Hold, Loan
from abonement.circulation.tests.test_concurrency import Clients
from abonement.libraries.models import Library
from abonement.readers.models import Card

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ROUNDS = 10


@pytest.fixture
def clients(transactional_db):
    pool = Clients(10)
    yield pool
    pool.close()


@pytest.fixture
def library(library_factory):
    return library_factory(max_on_hand=ROUNDS + 1, timezone="Europe/Riga")


def check_in(barcode, library_id, now):
    return desk.check_in(librarian=None, barcode=barcode, at_library=Library.objects.get(pk=library_id), now=now)


def check_out(card_id, barcode, now):
    card = Card.objects.select_related("library", "user").get(pk=card_id)
    return desk.check_out(librarian=None, card=card, barcode=barcode, now=now)


def test_a_check_in_while_ten_readers_queue_sets_the_item_aside_for_exactly_one(
    clients, library, card_factory, title_factory
):
    borrower = card_factory(library=library)
    readers = [card_factory(library=library).pk for _ in range(clients.size)]
    for round_ in range(ROUNDS):
        title = title_factory(format="paper", network=library.network)
        barcode = f"Q{round_}"
        Item.objects.create(title=title, library=library, barcode=barcode)
        check_out(borrower.pk, barcode, NOW)
        for i, card_id in enumerate(readers):
            Hold.objects.create(card_id=card_id, library=library, title=title, created_at=NOW + timedelta(seconds=i))
        # when ten desks scan the returned item at the same instant
        results = clients.race([lambda b=barcode: check_in(b, library.pk, NOW + timedelta(days=1))] * clients.size)
        # then one check-in, the first reader in line set aside, the others still waiting
        assert results.errors == [], f"round {round_}: {results.errors[:3]}"
        assert len(results.of(desk.CheckInOutcome)) == 1, results.refusal_codes()
        assert results.refusal_codes() == {"item_not_on_loan": clients.size - 1}
        ready = Hold.objects.filter(title=title, status=Hold.Status.READY)
        assert ready.count() == 1 and ready.get().card_id == readers[0]
        assert Hold.objects.filter(title=title, status=Hold.Status.WAITING).count() == clients.size - 1
        assert Item.objects.get(barcode=barcode).status == Item.Status.SET_ASIDE


def test_two_desks_checking_out_one_item_give_one_loan(clients, library, card_factory, title_factory):
    cards = [card_factory(library=library).pk for _ in range(clients.size)]
    for round_ in range(ROUNDS):
        title = title_factory(format="paper", network=library.network)
        barcode = f"D{round_}"
        Item.objects.create(title=title, library=library, barcode=barcode)
        results = clients.race([lambda c=c, b=barcode: check_out(c, b, NOW) for c in cards])
        assert results.errors == [], f"round {round_}: {results.errors[:3]}"
        assert len(results.of(Loan)) == 1, results.refusal_codes()
        assert results.refusal_codes() == {"item_on_loan": clients.size - 1}
        assert Loan.objects.filter(copy__item__barcode=barcode).count() == 1


def test_check_ins_of_different_items_at_once_each_set_aside_for_its_waiting_reader(
    clients, library, card_factory, title_factory
):
    # The next reader is looked up with SKIP LOCKED: only the hold rows may be locked, never the library or
    # the card joined to them, or a check-in running at the same desk library would pass the reader over.
    borrowers = [card_factory(library=library) for _ in range(clients.size)]
    for round_ in range(ROUNDS):
        barcodes = []
        for i, borrower in enumerate(borrowers):
            title = title_factory(format="paper", network=library.network)
            barcode = f"M{round_}-{i}"
            Item.objects.create(title=title, library=library, barcode=barcode)
            check_out(borrower.pk, barcode, NOW)
            Hold.objects.create(card=card_factory(library=library), library=library, title=title, created_at=NOW)
            barcodes.append(barcode)
        results = clients.race([lambda b=b: check_in(b, library.pk, NOW + timedelta(days=1)) for b in barcodes])
        assert results.errors == [], f"round {round_}: {results.errors[:3]}"
        outcomes = results.of(desk.CheckInOutcome)
        assert len(outcomes) == clients.size and all(o.hold is not None for o in outcomes), [
            o.message for o in outcomes
        ]
        assert Item.objects.filter(barcode__in=barcodes, status=Item.Status.SET_ASIDE).count() == clients.size
