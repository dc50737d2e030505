"""Lending under concurrency: many real clients at the same instant, each with its own database connection.

Every client is a thread with its own connection (Django gives each thread one); a barrier releases them
together once all are connected. An outcome is a result (loan, hold…), a clean refusal (a DomainError, what
a reader sees as a message) or an error (anything else: a deadlock, "database is locked", an IntegrityError
that escaped): every test asserts zero errors and then checks the rows against the invariants.

PostgreSQL runs 50 clients; SQLite (a file database: WAL, IMMEDIATE transactions, busy timeout) runs 10.
"""

import queue
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Exists, OuterRef

from abonement.circulation import policies, services
from abonement.circulation.models import Copy, Hold, Loan, Request
from abonement.core.errors import DomainError
from abonement.core.models import Event
from abonement.libraries.models import CreditEntry, Library
from abonement.readers.models import Card
from abonement.testing.database import while_open

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
WAIT_SECONDS = 60


# ---- the clients --------------------------------------------------------------------------------


@dataclass
class Results:
    """Outcomes of one race, in the order the jobs were given."""

    outcomes: list = field(default_factory=list)

    def of(self, kind) -> list:
        return [o for o in self.outcomes if isinstance(o, kind)]

    @property
    def refusals(self) -> list[DomainError]:
        return self.of(DomainError)

    @property
    def errors(self) -> list[BaseException]:
        return [o for o in self.outcomes if isinstance(o, BaseException) and not isinstance(o, DomainError)]

    def refusal_codes(self) -> Counter:
        return Counter(error.code for error in self.refusals)


class Clients:
    """`size` threads that live for the whole test, each with its own database connection."""

    def __init__(self, size: int):
        self.size = size
        self.inboxes = [queue.Queue() for _ in range(size)]
        self.threads = [
            threading.Thread(target=self._serve, args=(inbox,), name=f"client-{i}", daemon=True)
            for i, inbox in enumerate(self.inboxes)
        ]
        for thread in self.threads:
            thread.start()

    @staticmethod
    def _serve(inbox: queue.Queue) -> None:
        try:
            while (work := inbox.get()) is not None:
                work()
        finally:
            connections.close_all()

    def race(self, jobs: list) -> Results:
        """Run the callables at the same instant: job i on client i % size; a client with several jobs runs
        them one after another. Returns each job's value or exception."""
        chunks = [list(range(start, len(jobs), self.size)) for start in range(min(self.size, len(jobs)))]
        barrier = threading.Barrier(len(chunks))
        outcomes: list = [None] * len(jobs)
        done: queue.Queue = queue.Queue()

        def work(indexes):
            try:
                try:
                    connection.ensure_connection()  # connect before the barrier: the start is the same instant
                    barrier.wait(WAIT_SECONDS)
                except BaseException as exc:
                    barrier.abort()
                    for i in indexes:
                        outcomes[i] = exc
                    return
                for i in indexes:
                    try:
                        outcomes[i] = jobs[i]()
                    except BaseException as exc:  # noqa: BLE001 — every outcome is recorded and judged by the test
                        outcomes[i] = exc
            finally:
                done.put(None)

        for inbox, indexes in zip(self.inboxes, chunks, strict=False):
            inbox.put(lambda indexes=indexes: work(indexes))
        for _ in chunks:
            done.get(timeout=WAIT_SECONDS * 2)
        return Results(outcomes)

    def close(self) -> None:
        for inbox in self.inboxes:
            inbox.put(None)
        for thread in self.threads:
            thread.join(WAIT_SECONDS)


@pytest.fixture
def clients(transactional_db):
    pool = Clients(50 if connection.vendor == "postgresql" else 10)
    yield pool
    pool.close()


# ---- setup --------------------------------------------------------------------------------------


def ledger_sum(library) -> int:
    return sum(CreditEntry.objects.filter(library=library).values_list("amount", flat=True))


def load_card(card_id: int) -> Card:
    """What a view does for each request: the card fresh from the database, not an object shared by threads."""
    return Card.objects.select_related("library", "user").get(pk=card_id)


@pytest.fixture
def library(library_factory, operator_factory):
    library = library_factory(lending_mode="self_service", max_on_hand=3, loan_days=14, timezone="Europe/Riga")
    services.grant_credits(operator=operator_factory(network=library.network), library=library, amount=10, now=NOW)
    library.refresh_from_db()
    return library


def take(card_id: int, title, now=NOW):
    return services.take(card=load_card(card_id), title=title, now=now)


def take_or_queue(card_id: int, title, now=NOW):
    """The reader presses "Take"; when no copy is free they join the queue (what the title page offers)."""
    card = load_card(card_id)
    try:
        return services.take(card=card, title=title, now=now)
    except policies.NoCopyAvailable:
        return services.join_queue(card=card, title=title, now=now)


# ---- one free copy ------------------------------------------------------------------------------

ROUNDS = 20


def test_one_free_copy_goes_to_exactly_one_of_many_readers(clients, library, card_factory, title_factory):
    # given a library that may not acquire copies by self-service, and one existing copy of a paid title
    library.self_service_acquisition = False
    library.max_on_hand = ROUNDS + 1
    library.save()
    card_ids = [card_factory(library=library, birth_date=date(2010, 1, 1)).pk for _ in range(clients.size)]
    for round_ in range(ROUNDS):
        title = title_factory(price=1)
        copy = Copy.objects.create(library=library, title=title, acquired_at=NOW)
        # when every reader takes it at the same instant
        results = clients.race([lambda c=c, t=title: take_or_queue(c, t) for c in card_ids])
        # then exactly one loan, everybody else a place in the queue, no error
        assert results.errors == [], f"round {round_}: {results.errors[:3]}"
        assert len(results.of(Loan)) == 1, f"round {round_}: {results.refusal_codes()}"
        assert len(results.of(Hold)) == clients.size - 1, f"round {round_}: {results.refusal_codes()}"
        assert Loan.objects.filter(title=title).count() == 1
        assert Loan.objects.get(title=title, ended_at=None).copy == copy
        assert Copy.objects.filter(title=title).count() == 1
        assert Hold.objects.filter(title=title, status=Hold.Status.WAITING).count() == clients.size - 1
    library.refresh_from_db()
    assert library.credits == 10 == ledger_sum(library)
    assert Event.objects.filter(kind=Event.Kind.ISSUED).count() == ROUNDS
    assert Event.objects.filter(kind=Event.Kind.QUEUED).count() == ROUNDS * (clients.size - 1)
    assert not Event.objects.filter(kind=Event.Kind.COPY_ACQUIRED).exists()


# ---- the last credits ---------------------------------------------------------------------------

TAKES = 100


def test_ten_credits_buy_exactly_ten_copies_among_a_hundred_takes(clients, library, card_factory, title_factory):
    # given 10 credits, 100 different paid titles nobody holds, and readers allowed many books
    library.max_on_hand = TAKES
    library.save()
    card_ids = [card_factory(library=library, birth_date=date(2010, 1, 1)).pk for _ in range(clients.size)]
    titles = [title_factory(price=1) for _ in range(TAKES)]
    # when 100 takes of different titles start at the same instant
    results = clients.race([lambda c=card_ids[i % clients.size], t=title: take(c, t) for i, title in enumerate(titles)])
    # then exactly 10 acquisitions; the other 90 readers are told the balance is short
    assert results.errors == [], results.errors[:3]
    assert len(results.of(Loan)) == 10
    assert results.refusal_codes() == {"insufficient_credits": TAKES - 10}
    library.refresh_from_db()
    assert library.credits == 0 == ledger_sum(library)
    acquisitions = CreditEntry.objects.filter(library=library, kind=CreditEntry.Kind.ACQUISITION)
    assert acquisitions.count() == 10
    assert sorted(acquisitions.values_list("balance_after", flat=True)) == list(range(10))
    assert Copy.objects.count() == 10 == Loan.objects.count()
    assert Event.objects.filter(kind=Event.Kind.COPY_ACQUIRED).count() == 10


# ---- the database guards one open loan per copy --------------------------------------------------


def _raw_open_loan(*, copy: Copy, card: Card) -> None:
    """INSERT an open loan with plain SQL: no model, no service, only the database's own rules."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Loan._meta.db_table} "  # noqa: S608 — the table name comes from the model
            "(copy_id, card_id, library_id, title_id, is_free, started_at, due_at, end_reason) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [copy.pk, card.pk, copy.library_id, copy.title_id, False, NOW, NOW + timedelta(days=1), ""],
        )


def test_a_raw_second_open_loan_for_a_copy_is_refused_by_the_database(library, card_factory, title_factory):
    title = title_factory()
    copy = Copy.objects.create(library=library, title=title, acquired_at=NOW)
    first, second = (card_factory(library=library) for _ in range(2))
    with transaction.atomic():
        _raw_open_loan(copy=copy, card=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_open_loan(copy=copy, card=second)
    assert Loan.objects.filter(copy=copy).count() == 1


def test_raw_open_loans_for_one_copy_at_the_same_instant_only_one_lands(clients, library, card_factory, title_factory):
    title = title_factory()
    copy = Copy.objects.create(library=library, title=title, acquired_at=NOW)
    cards = [card_factory(library=library) for _ in range(clients.size)]

    def insert(card):
        with transaction.atomic():
            _raw_open_loan(copy=copy, card=card)
        return "inserted"

    results = clients.race([lambda card=card: insert(card) for card in cards])
    assert results.outcomes.count("inserted") == 1
    assert len(results.of(IntegrityError)) == clients.size - 1
    assert Loan.objects.filter(copy=copy).count() == 1


# ---- the queue ----------------------------------------------------------------------------------

QUEUED = 20


def test_one_return_serves_only_the_first_of_twenty_queued_readers(clients, library, card_factory, title_factory):
    # given one copy on loan and 20 readers joining its queue at the same instant
    library.self_service_acquisition = False
    library.save()
    title = title_factory()
    Copy.objects.create(library=library, title=title, acquired_at=NOW)
    holder = card_factory(library=library)
    loan = services.take(card=holder, title=title, now=NOW)
    queued = [card_factory(library=library, birth_date=date(2010, 1, 1)).pk for _ in range(QUEUED)]
    joined = clients.race([lambda c=c: take_or_queue(c, title, NOW + timedelta(minutes=1)) for c in queued])
    assert joined.errors == [] and len(joined.of(Hold)) == QUEUED, joined.refusal_codes()
    holds = list(Hold.objects.filter(title=title, status=Hold.Status.WAITING).order_by("created_at", "id"))
    assert sorted(services.queue_position(hold) for hold in holds) == list(range(1, QUEUED + 1))
    first = holds[0]

    # when the holder returns it, the desk returns it too (a double return), and every queued reader
    # and other readers press "Take" — all at the same instant
    others = [card_factory(library=library).pk for _ in range(max(0, clients.size - QUEUED - 2))]
    returned_at = NOW + timedelta(hours=1)
    jobs = [
        lambda: services.return_loan(loan=loan, actor=holder.user, now=returned_at),
        lambda: services.return_loan(loan=loan, actor=None, now=returned_at),
        *[lambda c=c: take(c, title, returned_at) for c in queued + others],
    ]
    results = clients.race(jobs)

    # then exactly one new loan, to the first in line; nobody jumps the queue; the loan ended once
    assert results.errors == [], results.errors[:3]
    new = Loan.objects.get(title=title, ended_at=None)
    assert new.card_id == first.card_id
    assert Loan.objects.filter(title=title).count() == 2
    assert len(results.of(Loan)) == 2  # the two return calls; no take succeeded
    for card_id, outcome in zip(queued + others, results.outcomes[2:], strict=True):
        # "already on loan" is right only for the first in line, if their take ran after the return
        allowed = {"no_copy_available", "already_on_loan"} if card_id == first.card_id else {"no_copy_available"}
        assert isinstance(outcome, DomainError) and outcome.code in allowed, (card_id, outcome)
    first.refresh_from_db()
    assert first.status == Hold.Status.FULFILLED and first.loan == new
    assert Hold.objects.filter(title=title, status=Hold.Status.WAITING).count() == QUEUED - 1
    assert Event.objects.filter(kind=Event.Kind.RETURNED, title=title).count() == 1
    assert Event.objects.filter(kind=Event.Kind.ISSUED, title=title).count() == 2
    assert [
        services.queue_position(h) for h in Hold.objects.filter(status="waiting").order_by("created_at", "id")
    ] == list(range(1, QUEUED))


# ---- expiry in two workers ----------------------------------------------------------------------

EXPIRY_BATCH = 8  # a power of two: the setup pairs loans by bit arithmetic on their order


def _due_loans(*, libraries: list[Library], count: int, card_factory, title_factory) -> list[Loan]:
    """`count` open, due loans, one per title and reader, spread over `libraries` so that neighbouring batches
    meet the libraries in opposite orders. Readers swap: reader i waits for the book of reader
    i ^ (EXPIRY_BATCH + 1) — same library, neighbouring batch — so a worker serving a queue lends to a reader
    whose own loan the other worker is ending."""
    started, due = NOW - timedelta(days=30), NOW - timedelta(days=1)
    loans = []
    for i in range(count):
        library = libraries[((i % 2) ^ (i // EXPIRY_BATCH % 2)) % len(libraries)]
        card = card_factory(library=library, birth_date=date(2010, 1, 1))
        title = title_factory()
        copy = Copy.objects.create(library=library, title=title, acquired_at=started)
        loans.append(Loan(copy=copy, card=card, library=library, title=title, started_at=started, due_at=due))
    Loan.objects.bulk_create(loans)
    Hold.objects.bulk_create(
        Hold(card=loan.card, library=loan.library, title=loans[i ^ (EXPIRY_BATCH + 1)].title, created_at=started)
        for i, loan in enumerate(loans)
    )
    return loans


@pytest.mark.parametrize("libraries", [1, 2], ids=["one-library", "two-libraries"])
def test_two_expiry_workers_end_each_due_loan_exactly_once(
    clients, library, library_factory, card_factory, title_factory, libraries
):
    # given due loans in one or two libraries, each freed copy awaited by a reader whose own loan is due
    others = [library_factory(network=library.network) for _ in range(libraries - 1)]
    count = 128 if connection.vendor == "postgresql" else 48  # a multiple of 2 * EXPIRY_BATCH
    loans = _due_loans(
        libraries=[library, *others], count=count, card_factory=card_factory, title_factory=title_factory
    )
    # when two workers run the expiry at the same instant, in small batches so that they interleave
    results = clients.race([lambda: services.expire_due_loans(now=NOW, batch_size=EXPIRY_BATCH) for _ in range(2)])
    # then each due loan ended exactly once, with exactly one event, and each copy went to its queue
    assert results.errors == [], results.errors[:1]
    assert sum(results.outcomes) == count
    ended = Loan.objects.filter(pk__in=[loan.pk for loan in loans])
    assert ended.filter(ended_at=NOW, end_reason=Loan.EndReason.EXPIRED).count() == count
    expired = Counter(Event.objects.filter(kind=Event.Kind.LOAN_EXPIRED).values_list("card", "title"))
    assert expired == Counter((loan.card_id, loan.title_id) for loan in loans)
    served = dict(Loan.objects.filter(ended_at=None).values_list("copy", "card"))
    assert served == {loan.copy_id: loans[i ^ (EXPIRY_BATCH + 1)].card_id for i, loan in enumerate(loans)}
    assert Event.objects.filter(kind=Event.Kind.ISSUED).count() == count
    assert not Hold.objects.filter(status=Hold.Status.WAITING).exists()
    assert not Event.objects.filter(kind=Event.Kind.QUEUE_SKIPPED).exists()
    assert services.expire_due_loans(now=NOW) == 0


# ---- mixed traffic ------------------------------------------------------------------------------


def test_returns_and_takes_of_the_readers_first_in_line_at_the_same_instant(
    clients, library, card_factory, title_factory
):
    """Each returned book goes to the reader first in its queue while that reader takes another book the
    library buys with its credits: the library, copies and cards are locked from both sides at once."""
    pairs = clients.size // 2
    services.grant_credits(operator=None, library=library, amount=pairs, now=NOW)
    returns, takes, expected = [], [], {}
    later = NOW + timedelta(hours=1)
    for _ in range(pairs):
        returned, wanted = title_factory(price=1), title_factory(price=1)
        Copy.objects.create(library=library, title=returned, acquired_at=NOW)
        holder = card_factory(library=library)
        loan = services.take(card=holder, title=returned, now=NOW)
        waiting = card_factory(library=library, birth_date=date(2010, 1, 1))
        services.join_queue(card=waiting, title=returned, now=NOW)
        returns.append(lambda loan=loan, user=holder.user: services.return_loan(loan=loan, actor=user, now=later))
        takes.append(lambda c=waiting.pk, t=wanted: take(c, t, later))
        expected[waiting.pk] = {returned.pk, wanted.pk}
    results = clients.race([job for pair in zip(returns, takes, strict=True) for job in pair])
    assert results.errors == [], results.errors[:1]
    assert results.refusals == []
    on_hand = {card: set() for card in expected}
    for card, title in Loan.objects.filter(ended_at=None, card__in=expected).values_list("card", "title"):
        on_hand[card].add(title)
    assert on_hand == expected
    library.refresh_from_db()
    assert library.credits == 10 == ledger_sum(library)
    assert Copy.objects.count() == 2 * pairs


# ---- staff approve the same requests ------------------------------------------------------------

LIBRARIANS = 4


def test_librarians_approving_the_same_requests_at_once_approve_each_exactly_once(
    clients, library, librarian_factory, card_factory, title_factory
):
    # given 10 readers asking for 10 paid titles nobody holds, and 10 credits
    cards = [card_factory(library=library, birth_date=date(2010, 1, 1)) for _ in range(10)]
    requests = [services.request_title(card=card, title=title_factory(price=1), now=NOW) for card in cards]
    librarians = [librarian_factory(library=library) for _ in range(LIBRARIANS)]

    def approve(librarian, order):
        return services.approve_requests(librarian=librarian, requests=order, now=NOW + timedelta(minutes=1))

    # when several librarians approve all of them at the same instant, in different orders
    orders = [requests, requests[::-1], requests[1::2] + requests[::2], requests[::2] + requests[1::2]]
    results = clients.race(
        [lambda lib=lib, order=order: approve(lib, order) for lib, order in zip(librarians, orders, strict=True)]
    )
    # then each request is approved exactly once; every other attempt is told it was already decided
    assert results.errors == [], results.errors[:1]
    outcomes = [outcome for batch in results.outcomes for outcome in batch]
    approved = Counter(o.request.pk for o in outcomes if o.error is None)
    assert approved == Counter(r.pk for r in requests)
    assert Counter(o.error.code for o in outcomes if o.error) == {"already_decided": (LIBRARIANS - 1) * 10}
    assert Loan.objects.count() == 10 == Copy.objects.count()
    assert Event.objects.filter(kind=Event.Kind.REQUEST_APPROVED).count() == 10
    library.refresh_from_db()
    assert library.credits == 0 == ledger_sum(library)


# ---- lines served at the same time --------------------------------------------------------------


def test_serving_some_lines_does_not_hide_the_others_from_a_return(library_factory, card_factory, title_factory):
    """Copies of (A, novel) and (B, poems) are being served while a copy of (A, poems) comes back: the reader
    waiting for poems at A must get it — the first transaction locks only the lines it serves."""
    libraries = [library_factory(lending_mode="self_service", self_service_acquisition=False) for _ in range(2)]
    novel, poems = title_factory(), title_factory()
    loans = {}
    for library, title in [(libraries[0], novel), (libraries[1], poems), (libraries[0], poems)]:
        Copy.objects.create(library=library, title=title, acquired_at=NOW)
        loans[library.pk, title.pk] = services.take(card=card_factory(library=library), title=title, now=NOW)
    waiting = {}
    for library, title in [(libraries[0], novel), (libraries[1], poems), (libraries[0], poems)]:
        waiting[library.pk, title.pk] = card_factory(library=library)
        services.join_queue(card=waiting[library.pk, title.pk], title=title, now=NOW)

    def serve_two_lines():
        ended = [loans[libraries[0].pk, novel.pk], loans[libraries[1].pk, poems.pk]]
        Loan.objects.filter(pk__in=[loan.pk for loan in ended]).update(ended_at=NOW, end_reason="expired")
        services.serve_queues(copy_ids=[loan.copy_id for loan in ended], now=NOW)

    def return_poems_at_a():
        loan = loans[libraries[0].pk, poems.pk]
        services.return_loan(loan=loan, actor=loan.card.user, now=NOW)

    while_open(serve_two_lines, meanwhile=return_poems_at_a)
    holders = {(loan.library_id, loan.title_id): loan.card_id for loan in Loan.objects.filter(ended_at=None)}
    assert holders == {key: card.pk for key, card in waiting.items()}


def test_two_copies_of_one_line_returned_at_the_same_instant_both_reach_the_line(
    library_factory, card_factory, title_factory
):
    """Both copies of a title come back at once and two readers wait. On PostgreSQL the second return skips the
    holds the first has locked (SKIP LOCKED, so neither waits for the other) and its copy stays free; the
    minute's sweep (`serve_idle_copies`, run with the expiry) lends it. SQLite runs one writer at a time, so the
    second return already sees the first one's outcome."""
    library = library_factory(lending_mode="self_service", self_service_acquisition=False)
    title = title_factory()
    loans = []
    for _ in range(2):
        Copy.objects.create(library=library, title=title, acquired_at=NOW)
        loans.append(services.take(card=card_factory(library=library), title=title, now=NOW))
    waiting = [card_factory(library=library) for _ in range(2)]
    for minute, card in enumerate(waiting):
        services.join_queue(card=card, title=title, now=NOW + timedelta(minutes=minute))
    while_open(
        lambda: services.return_loan(loan=loans[0], actor=None, now=NOW),
        meanwhile=lambda: services.return_loan(loan=loans[1], actor=None, now=NOW),
    )
    assert services.serve_idle_copies(now=NOW + timedelta(minutes=1)) == (1 if connection.vendor == "postgresql" else 0)
    assert set(Loan.objects.filter(ended_at=None).values_list("card_id", flat=True)) == {card.pk for card in waiting}
    assert not Hold.objects.filter(status=Hold.Status.WAITING).exists()


# ---- a loan ends the reader's hold and request of the title (issue #13) ---------------------------


def assert_nothing_waits_for_what_is_on_loan() -> None:
    on_loan = Loan.objects.filter(card=OuterRef("card"), title=OuterRef("title"), ended_at=None)
    assert not Hold.objects.filter(status=Hold.Status.WAITING).filter(Exists(on_loan)).exists()
    assert not Request.objects.filter(status=Request.Status.WAITING).filter(Exists(on_loan)).exists()


def test_the_first_in_line_takes_the_title_while_its_copy_comes_back(clients, library, card_factory, title_factory):
    """The return gives the copy to the reader first in line (their hold locked, then their card) while that
    reader takes the title themselves (a new copy): one loan, the hold and the request closed, no deadlock."""
    pairs = clients.size // 2
    services.grant_credits(operator=None, library=library, amount=pairs, now=NOW)
    later = NOW + timedelta(hours=1)
    jobs, expected = [], {}
    for _ in range(pairs):
        title = title_factory(price=1)
        Copy.objects.create(library=library, title=title, acquired_at=NOW)
        holder = card_factory(library=library)
        loan = services.take(card=holder, title=title, now=NOW)
        first = card_factory(library=library, birth_date=date(2010, 1, 1))
        services.join_queue(card=first, title=title, now=NOW)
        services.request_title(card=first, title=title, now=NOW)
        jobs += [
            lambda loan=loan, user=holder.user: services.return_loan(loan=loan, actor=user, now=later),
            lambda c=first.pk, t=title: take(c, t, later),
        ]
        expected[first.pk] = title.pk
    results = clients.race(jobs)
    assert results.errors == [], results.errors[:1]
    assert set(results.refusal_codes()) <= {"already_on_loan"}
    got = dict(Loan.objects.filter(ended_at=None, card__in=expected).values_list("card", "title"))
    assert got == expected
    assert Hold.objects.filter(card__in=expected, status=Hold.Status.WAITING).count() == 0
    assert Request.objects.filter(card__in=expected, status=Request.Status.APPROVED).count() == pairs
    assert_nothing_waits_for_what_is_on_loan()
    library.refresh_from_db()
    assert library.credits == ledger_sum(library) >= 0
