"""Circulation rules under concurrency: many librarians saving the same rule or item type at the same instant get
one row and clean refusals, never a 500 (real clients, each with its own connection; PostgreSQL runs 30)."""

import pytest

from abonement.catalog.models import ItemType
from abonement.circulation import rules
from abonement.circulation.models import CirculationRule
from abonement.circulation.tests.test_concurrency import Clients

pytestmark = pytest.mark.django_db(transaction=True)

TERMS = {
    "reader_category": "child",
    "loan_days": 14,
    "renewals_allowed": 1,
    "fine_per_day": 5,
    "fine_cap": 100,
    "reservable_online": True,
    "reading_room_only": False,
}


@pytest.fixture
def clients(transactional_db):
    from django.db import connection

    pool = Clients(30 if connection.vendor == "postgresql" else 10)
    yield pool
    pool.close()


@pytest.mark.parametrize("typed", [True, False], ids=["item-type", "any-type"])
def test_the_same_rule_saved_at_once_is_one_rule(clients, library_factory, librarian_factory, typed):
    library = library_factory()
    librarian = librarian_factory(library=library)
    book = ItemType.objects.create(network=library.network, code="BOOK", name="Book") if typed else None
    for _round in range(3):
        CirculationRule.objects.all().delete()
        results = clients.race(
            [
                lambda: rules.save_rule(actor=librarian, library=library, rule=None, terms={**TERMS, "item_type": book})
                for _ in range(clients.size)
            ]
        )
        assert results.errors == []
        assert len(results.outcomes) - len(results.refusals) == 1
        assert set(results.refusal_codes()) == {"duplicate_rule"}
        assert CirculationRule.objects.filter(library=library).count() == 1


def test_the_same_item_type_code_added_at_once_is_one_type(clients, network_factory, librarian_factory):
    network = network_factory()
    librarian = librarian_factory()
    results = clients.race(
        [
            lambda n=n: rules.create_item_type(actor=librarian, network=network, code="av", name=f"AV {n}")
            for n in range(clients.size)
        ]
    )
    assert results.errors == []
    assert len(results.refusals) == clients.size - 1
    assert set(results.refusal_codes()) == {"item_type_code_taken"}
    assert ItemType.objects.filter(network=network, code="AV").count() == 1
