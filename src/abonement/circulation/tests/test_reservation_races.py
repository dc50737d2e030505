"""Reservations under concurrency (SPEC P2, issue #14), with many real clients each on its own connection (see
test_concurrency.py): readers reserving the last item at once, the lapse job in two workers at once, and the lapse
job racing the desk on the same item. PostgreSQL runs 30 clients; SQLite (one writer at a time) 10."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from abonement.catalog.models import Item
from abonement.circulation import reservations
from abonement.circulation.models import Hold, Request
from abonement.circulation.tests.test_concurrency import Clients, load_card
from abonement.core.errors import DomainError
from abonement.core.models import Event
from abonement.notifications.models import Notice

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ROUNDS = 20


@pytest.fixture
def clients(transactional_db):
    pool = Clients(30 if connection.vendor == "postgresql" else 10)
    yield pool
    pool.close()


@pytest.fixture
def library(library_factory):
    return library_factory(timezone="Europe/Riga", max_reservations=ROUNDS + 1)


def paper_item(title_factory, library, n: int) -> Item:
    title = title_factory(format="paper", network=library.network, price=0)
    return Item.objects.create(title=title, library=library, barcode=f"RACE-{title.pk}-{n}")


def test_many_readers_reserving_the_last_item_get_exactly_one_reservation(
    clients, library, card_factory, title_factory
):
    card_ids = [card_factory(library=library).pk for _ in range(clients.size)]
    for round_ in range(ROUNDS):
        item = paper_item(title_factory, library, round_)
        results = clients.race(
            [lambda c=c, i=item: reservations.reserve(card=load_card(c), item=i, now=NOW) for c in card_ids]
        )
        assert results.errors == [], f"round {round_}: {results.errors[:3]}"
        assert len(results.of(Request)) == 1, f"round {round_}: {results.refusal_codes()}"
        assert set(results.refusal_codes()) <= {"item_not_on_shelf", "reservation_taken"}
        assert Request.objects.filter(item=item).count() == 1
        item.refresh_from_db()
        assert item.status == Item.Status.RESERVED
    assert Event.objects.filter(kind=Event.Kind.RESERVED).count() == ROUNDS


def set_aside_for_many(library, card_factory, title_factory, librarian, count: int) -> list[Request]:
    approved = []
    for n in range(count):
        item = paper_item(title_factory, library, n)
        reservation = reservations.reserve(card=card_factory(library=library), item=item, now=NOW)
        [outcome] = reservations.approve_reservations(librarian=librarian, requests=[reservation], now=NOW)
        assert outcome.error is None
        approved.append(reservation)
    return approved


def test_the_lapse_job_in_several_workers_at_once_lapses_each_hold_once(
    clients, library, card_factory, title_factory, librarian_factory
):
    count = 40 if connection.vendor == "postgresql" else 12
    set_aside_for_many(library, card_factory, title_factory, librarian_factory(library=library), count)
    later = NOW + timedelta(days=60)
    for _round in range(3):
        results = clients.race([lambda: reservations.lapse_uncollected(now=later, batch_size=5)] * 4)
        assert results.errors == []
        assert sum(results.outcomes) == (count if _round == 0 else 0)
    assert Hold.objects.filter(status=Hold.Status.LAPSED).count() == count
    assert Request.objects.filter(status=Request.Status.LAPSED).count() == count
    assert Notice.objects.filter(kind="hold_lapsed").count() == count
    assert Event.objects.filter(kind=Event.Kind.HOLD_LAPSED).count() == count
    assert Event.objects.filter(kind=Event.Kind.RESERVATION_LAPSED).count() == count
    assert Item.objects.filter(status=Item.Status.ON_SHELF).count() == count


class Collected(DomainError):
    code = "collected_refused"
    status = 409


def collect_at_the_desk(item_id: int, card_id: int, now) -> Hold:
    """What the desk does when the reader comes for a set-aside item (the desk service is another helper's): the
    item locked first, then the reader's hold, which must still be READY; the item leaves on loan."""
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item_id)
        hold = Hold.objects.select_for_update().filter(item=item, card_id=card_id, status=Hold.Status.READY).first()
        if hold is None:
            raise Collected("not set aside any more")
        hold.status, hold.ended_at = Hold.Status.FULFILLED, now
        hold.save(update_fields=["status", "ended_at"])
        Request.objects.filter(hold=hold).update(status=Request.Status.COLLECTED)
        item.status = Item.Status.ON_LOAN
        item.save(update_fields=["status"])
        return hold


def test_the_lapse_job_racing_the_desk_on_one_item_has_one_outcome(
    clients, library, card_factory, title_factory, librarian_factory
):
    librarian = librarian_factory(library=library)
    rounds = ROUNDS if connection.vendor == "postgresql" else 5
    for round_ in range(rounds):
        [reservation] = set_aside_for_many(library, card_factory, title_factory, librarian, 1)
        item = reservation.item
        next_reader = card_factory(library=library)
        queued = reservations.join_paper_queue(card=next_reader, title=item.title, library=library, now=NOW)
        reservation.refresh_from_db()
        later = reservation.hold.pickup_by + timedelta(minutes=1)
        results = clients.race(
            [
                lambda at=later: reservations.lapse_uncollected(now=at),
                lambda i=item.pk, c=reservation.card_id, at=later: collect_at_the_desk(i, c, at),
            ]
        )
        assert results.errors == [], f"round {round_}: {results.errors}"
        lapsed, collected = results.outcomes[0] == 1, isinstance(results.outcomes[1], Hold)
        assert lapsed != collected, f"round {round_}: {results.outcomes}"
        reservation.refresh_from_db()
        queued.refresh_from_db()
        item.refresh_from_db()
        assert Hold.objects.filter(item=item, status=Hold.Status.READY).count() <= 1
        if lapsed:
            assert reservation.status == Request.Status.LAPSED
            assert (queued.status, item.status) == (Hold.Status.READY, Item.Status.SET_ASIDE)
        else:
            assert reservation.status == Request.Status.COLLECTED
            assert (queued.status, item.status) == (Hold.Status.WAITING, Item.Status.ON_LOAN)
        assert Notice.objects.filter(kind="hold_lapsed", user=reservation.card.user).count() == int(lapsed)


def test_giving_back_while_the_lapse_job_runs_on_the_same_hold_has_one_outcome(
    clients, library, card_factory, title_factory, librarian_factory
):
    """The reader presses "I no longer need it" the minute the deadline passes: the hold ends once, as given back
    or as lapsed, and the item goes to the one reader behind."""
    librarian = librarian_factory(library=library)
    rounds = ROUNDS if connection.vendor == "postgresql" else 5
    for round_ in range(rounds):
        [reservation] = set_aside_for_many(library, card_factory, title_factory, librarian, 1)
        item = reservation.item
        queued = reservations.join_paper_queue(
            card=card_factory(library=library), title=item.title, library=library, now=NOW
        )
        reservation.refresh_from_db()
        hold, reader = reservation.hold, reservation.card.user
        later = hold.pickup_by + timedelta(minutes=1)
        results = clients.race(
            [
                lambda at=later: reservations.lapse_uncollected(now=at),
                lambda h=hold, r=reader, at=later: reservations.give_back(
                    card=load_card(h.card_id), hold=h, actor=r, now=at
                ),
            ]
        )
        assert results.errors == [], f"round {round_}: {results.errors}"
        lapsed, given_back = results.outcomes[0] == 1, isinstance(results.outcomes[1], Hold)
        assert lapsed != given_back, f"round {round_}: {results.outcomes}"
        assert given_back or results.refusal_codes() == {"not_set_aside": 1}
        hold.refresh_from_db()
        reservation.refresh_from_db()
        queued.refresh_from_db()
        item.refresh_from_db()
        expected = (Hold.Status.LAPSED, Request.Status.LAPSED) if lapsed else (Hold.Status.CANCELLED,) * 2
        assert (hold.status, reservation.status) == expected
        assert (queued.status, queued.item, item.status) == (Hold.Status.READY, item, Item.Status.SET_ASIDE)
        assert Notice.objects.filter(kind="item_set_aside", user=queued.card.user).count() == 1
        assert Notice.objects.filter(kind="hold_lapsed", user=reservation.card.user).count() == int(lapsed)
