"""The mass issue racing other lending (SPEC G3, L2): real threads, each with its own database connection,
released together by a barrier. An outcome is a result, a clean refusal (DomainError) or an error (anything
else: deadlock, an IntegrityError that escaped…); every test asserts zero errors, then the invariants: credits
never negative and equal to the ledger sum, one open loan per copy and per reader and title.

Meaningful on PostgreSQL (row locks, SKIP LOCKED); on SQLite the IMMEDIATE transactions serialise the same
races, and the same invariants must hold.
"""

import threading
from datetime import UTC, date, datetime

import pytest
from django.db import connection, connections
from django.db.models import Count

from abonement.circulation import services as circulation
from abonement.circulation.models import Copy, Hold, Loan
from abonement.collections import services
from abonement.core.errors import DomainError
from abonement.libraries.models import CreditEntry, Library
from abonement.readers.models import Card, Group

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
WAIT_SECONDS = 60


def race(jobs: list) -> list:
    """Run the callables at the same instant, each in its own thread and connection; return each outcome."""
    outcomes: list = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def run(i, job):
        try:
            connection.ensure_connection()
            barrier.wait(WAIT_SECONDS)
            outcomes[i] = job()
        except BaseException as exc:  # noqa: BLE001 — every outcome is judged by the test
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS * 2)
    return outcomes


def errors(outcomes) -> list:
    return [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, DomainError)]


def assert_invariants(library: Library) -> None:
    library.refresh_from_db()
    ledger = sum(CreditEntry.objects.filter(library=library).values_list("amount", flat=True))
    assert library.credits >= 0 and library.credits == ledger
    open_loans = Loan.objects.filter(ended_at__isnull=True)
    assert not open_loans.values("copy").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not open_loans.values("card", "title").annotate(n=Count("id")).filter(n__gt=1).exists()
    spent = -sum(CreditEntry.objects.filter(library=library, amount__lt=0).values_list("amount", flat=True))
    assert spent == sum(Copy.objects.filter(library=library).values_list("cost", flat=True))


@pytest.fixture
def library(library_factory):
    library = library_factory(lending_mode="self_service", max_on_hand=50, timezone="Europe/Riga")
    circulation.grant_credits(operator=None, library=library, amount=15, now=NOW)
    library.refresh_from_db()
    return library


@pytest.fixture
def librarian(librarian_factory, library):
    return librarian_factory(library=library)


def make_group(library, card_factory, size: int, name: str) -> Group:
    group = Group.objects.create(library=library, name=name)
    for _ in range(size):
        card_factory(library=library, birth_date=date(2000, 1, 1)).groups.add(group)
    return group


def mass_issue(librarian, collection_id: int, group_id: int):
    from abonement.collections.models import Collection

    return services.mass_issue(
        librarian=librarian,
        collection=Collection.objects.get(pk=collection_id),
        groups=[Group.objects.get(pk=group_id)],
        now=NOW,
    )


def take(card_id: int, title):
    return circulation.take(card=Card.objects.select_related("library", "user").get(pk=card_id), title=title, now=NOW)


def test_the_same_collection_issued_twice_at_once_lends_each_book_once(library, librarian, card_factory, title_factory):
    group = make_group(library, card_factory, 5, "5 A")
    collection = services.create_collection(library=library, name="Reading")
    services.add_titles(collection=collection, titles=[title_factory(price=1), title_factory(price=1)])
    outcomes = race([lambda: mass_issue(librarian, collection.pk, group.pk) for _ in range(4)])
    assert errors(outcomes) == []
    issued = [o for o in outcomes if isinstance(o, services.Issued)]
    assert sum(o.loans for o in issued) == 10 == Loan.objects.count()
    assert {o.code for o in outcomes if isinstance(o, DomainError)} <= {"nothing_to_issue", "issue_collided"}
    assert_invariants(library)
    assert library.credits == 5


def test_mass_issue_racing_takes_that_drain_the_balance(library, librarian, card_factory, title_factory):
    # 15 credits; the collection costs 10 (one paid title for 10 readers), 10 other readers take 10 other titles
    group = make_group(library, card_factory, 10, "5 A")
    collection = services.create_collection(library=library, name="Reading")
    services.add_titles(collection=collection, titles=[title_factory(price=1)])
    takers = [card_factory(library=library, birth_date=date(2000, 1, 1)).pk for _ in range(10)]
    titles = [title_factory(price=1) for _ in takers]
    jobs = [lambda: mass_issue(librarian, collection.pk, group.pk)] + [
        lambda c=card, t=title: take(c, t) for card, title in zip(takers, titles, strict=True)
    ]
    outcomes = race(jobs)
    assert errors(outcomes) == []
    taken = sum(isinstance(o, Loan) for o in outcomes[1:])
    issued = outcomes[0].loans if isinstance(outcomes[0], services.Issued) else 0
    assert issued in {0, 10}
    if issued == 0:
        assert outcomes[0].code == "insufficient_credits"
    assert Loan.objects.count() == issued + taken
    assert_invariants(library)
    assert library.credits == 15 - issued - taken >= 0


def test_mass_issue_racing_the_groups_own_takes_of_the_same_title(library, librarian, card_factory, title_factory):
    # every reader of the group presses "Take" on the collection's title while the librarian issues it
    group = make_group(library, card_factory, 8, "5 A")
    title = title_factory(price=1)
    Copy.objects.bulk_create(Copy(library=library, title=title, acquired_at=NOW) for _ in range(3))
    collection = services.create_collection(library=library, name="Reading")
    services.add_titles(collection=collection, titles=[title])
    card_ids = list(group.cards.values_list("pk", flat=True))
    outcomes = race(
        [lambda: mass_issue(librarian, collection.pk, group.pk)] + [lambda c=c: take(c, title) for c in card_ids]
    )
    assert errors(outcomes) == []
    # each reader ends with exactly one open loan of the title, whoever gave it
    assert sorted(Loan.objects.filter(title=title).values_list("card_id", flat=True)) == sorted(card_ids)
    assert_invariants(library)
    assert library.credits == 15 - 5  # 3 copies from the fund, 5 bought


def test_mass_issue_racing_the_return_that_serves_the_groups_queue(library, librarian, card_factory, title_factory):
    """Issue #13: the readers of the group queue for the collection's title; its one copy comes back while the
    librarian issues the collection. The return locks the line's holds and then the cards, the mass issue the
    holds before the cards too: no deadlock, every reader gets the title once and nobody is left in the queue."""
    group = make_group(library, card_factory, 5, "5 A")
    title = title_factory(price=1)
    Copy.objects.create(library=library, title=title, acquired_at=NOW)
    holder = card_factory(library=library)
    loan = circulation.take(card=holder, title=title, now=NOW)
    card_ids = list(group.cards.values_list("pk", flat=True))
    for card in group.cards.select_related("library", "user"):
        circulation.join_queue(card=card, title=title, now=NOW)
    collection = services.create_collection(library=library, name="Reading")
    services.add_titles(collection=collection, titles=[title])
    outcomes = race(
        [
            lambda: mass_issue(librarian, collection.pk, group.pk),
            lambda: circulation.return_loan(loan=loan, actor=holder.user, now=NOW),
        ]
    )
    assert errors(outcomes) == []
    assert isinstance(outcomes[0], services.Issued)
    on_loan = Loan.objects.filter(title=title, ended_at=None)
    assert sorted(on_loan.values_list("card_id", flat=True)) == sorted(card_ids)
    assert not Hold.objects.filter(status=Hold.Status.WAITING).exists()
    assert Hold.objects.filter(status=Hold.Status.FULFILLED, loan__in=on_loan).count() == len(card_ids)
    assert_invariants(library)
