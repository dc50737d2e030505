"""Every change of circulation state: take, request, approve, reject, queue, issue, return, expire.

Lock order, always: library (credits) → copies → holds → requests → card. Each public function is one
transaction and writes nothing when it raises. Events and notices are written in the same transaction.
"""

from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from abonement.catalog.models import Title
from abonement.catalog.selectors import may_lend
from abonement.circulation import policies
from abonement.circulation.models import Copy, Deferral, Hold, Loan, Request
from abonement.core import clock, events, inserts
from abonement.core.errors import DomainError
from abonement.core.models import Event
from abonement.libraries.models import CreditEntry, Library
from abonement.notifications import services as notices
from abonement.notifications.models import Notice
from abonement.readers.models import Card

User = get_user_model()


class NotInLibraryCatalog(DomainError):
    code = "not_in_library_catalog"
    status = 409
    message = _("This title is not in the part of the catalogue the library lends.")


class AlreadyRequested(DomainError):
    code = "already_requested"
    status = 409
    message = _("You have already requested this book; the librarian will answer soon.")


class AlreadyQueued(DomainError):
    code = "already_queued"
    status = 409
    message = _("You are already in the queue for this book.")


class AlreadyDecided(DomainError):
    code = "already_decided"
    status = 409
    message = _("This request was already %(status)s.")


class ReasonRequired(DomainError):
    code = "reason_required"
    message = _("Give the reason for the refusal: the reader gets it.")


class InvalidAmount(DomainError):
    code = "invalid_amount"
    message = _("The amount must be a whole number other than zero.")


@dataclass(frozen=True)
class Outcome:
    """What happened to one request of a batch (approve/reject many at once)."""

    request: Request
    error: DomainError | None = None


# ---- credits ------------------------------------------------------------------------------------


def _move_credits(
    *, library: Library, amount: int, kind: str, now: datetime, actor=None, title=None, card=None, note: str = ""
) -> CreditEntry:
    """Change the balance and write the ledger row. The caller holds the library row lock."""
    if library.credits + amount < 0:
        raise policies.InsufficientCredits(missing=-(library.credits + amount))
    Library.objects.filter(pk=library.pk).update(credits=F("credits") + amount)
    library.credits += amount
    return inserts.insert(
        CreditEntry(
            library=library,
            kind=kind,
            amount=amount,
            balance_after=library.credits,
            at=now,
            actor=actor,
            title=title,
            card=card,
            note=note,
        )
    )


@transaction.atomic
def grant_credits(
    *, operator, library: Library, amount: int, note: str = "", now: datetime | None = None
) -> CreditEntry:
    """The operator adds credits (or corrects with a negative amount; never below zero)."""
    now = now or clock.now()
    if not isinstance(amount, int) or amount == 0:
        raise InvalidAmount()
    library = Library.objects.select_for_update(no_key=True).get(pk=library.pk)
    kind = CreditEntry.Kind.GRANT if amount > 0 else CreditEntry.Kind.CORRECTION
    entry = _move_credits(library=library, amount=amount, kind=kind, now=now, actor=operator, note=note)
    events.record(Event.Kind.CREDITS_GRANTED, actor=operator, library=library, now=now, amount=amount, note=note)
    return entry


# ---- reads used by the services -----------------------------------------------------------------


def open_loans(card: Card):
    return Loan.objects.filter(card=card, ended_at__isnull=True)


def paid_on_hand(card: Card) -> int:
    return open_loans(card).filter(is_free=False).count()


def lendable_by(library: Library, title: Title) -> bool:
    """Free titles always; paid ones within the library's part of the catalogue (paper: its network's)."""
    return (title.is_free and title.network_id is None) or may_lend(library, title)


def check_can_queue(*, library: Library, title: Title) -> None:
    """The facts `policies.check_can_queue` decides on: does the library own a copy, may a reader's take buy one."""
    policies.check_can_queue(
        has_copies=Copy.objects.filter(library=library, title=title).exists(),
        may_acquire=(title.is_free or policies.may_acquire_by_self_service(library=library, title=title))
        and lendable_by(library, title),
    )


# The locking reads of a single issue are written by hand: they run on every take, and the ORM spends more CPU
# compiling them each time than PostgreSQL spends running them (decision 0010). Table names come from the models.


def _for_update(*, skip_locked: bool = False) -> str:
    """The row-lock clause, or nothing on SQLite, whose IMMEDIATE transactions already hold the write lock."""
    if not connection.features.has_select_for_update:
        return ""
    return " " + connection.ops.for_update_sql(no_key=True, skip_locked=skip_locked)


def _lock_free_copy(*, library: Library, title: Title) -> int | None:
    """The id of a free copy, locked. SKIP LOCKED: concurrent takers each get a different free copy instead of
    queueing on the same row."""
    copy, loan = Copy._meta.db_table, Loan._meta.db_table
    sql = (
        f"SELECT c.id FROM {copy} c WHERE c.library_id = %s AND c.title_id = %s AND c.item_id IS NULL"  # noqa: S608
        f" AND NOT EXISTS (SELECT 1 FROM {loan} l WHERE l.copy_id = c.id AND l.ended_at IS NULL)"
        f" ORDER BY c.id LIMIT 1{_for_update(skip_locked=True)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [library.pk, title.pk])
        row = cursor.fetchone()
    return row[0] if row else None


def _acquire(*, library: Library, title: Title, now: datetime, actor, card) -> Copy:
    """A new copy at the title's price. The caller holds the library row lock and checked `lendable_by`."""
    price = 0 if title.is_free else title.price
    if price:
        _move_credits(
            library=library,
            amount=-price,
            kind=CreditEntry.Kind.ACQUISITION,
            now=now,
            actor=actor,
            title=title,
            card=card,
        )
    copy = inserts.insert(Copy(library=library, title=title, acquired_at=now, cost=price))
    events.record(Event.Kind.COPY_ACQUIRED, actor=actor, library=library, card=card, title=title, now=now, cost=price)
    return copy


def _lock_card(card: Card) -> Card:
    return Card.objects.select_for_update(of=("self",), no_key=True).select_related("library", "user").get(pk=card.pk)


def _lend(
    *,
    copy_id: int,
    card: Card,
    title: Title,
    rule: policies.LendingRule,
    now: datetime,
    issued_by,
    actor,
    notice_kind: str | None = "loan_issued",
) -> Loan:
    """Lend the copy `copy_id` of the card's library; the card is locked and checked by the caller. `actor` None
    is the System.
    `notice_kind` None: no e-mail (the reader took the book themselves and saw the due date on screen)."""
    loan = inserts.insert(
        Loan(
            copy_id=copy_id,
            card=card,
            library=card.library,
            title=title,
            is_free=title.is_free,
            started_at=now,
            due_at=rule.due(now),
            issued_by=issued_by,
        )
    )
    events.record_for_card(Event.Kind.ISSUED, card=card, title=title, actor=actor, now=now)
    if notice_kind:
        _notify(card, notice_kind, now=now, loan=loan, title=title)
    return loan


@dataclass(frozen=True)
class Waiting:
    """The locked waiting holds and requests of some readers for some titles: a loan of the title to the card
    ends them (`close_waiting`). Every service locks them in one order, holds → requests → cards: a queue
    turn has the line's holds locked when it lends, so a lender that locked a card first and then waited for
    that card's hold would deadlock with it."""

    hold_ids: list[int]
    request_ids: list[int]


def _lock_waiting_of(card: Card, title: Title) -> Waiting:
    """Lock the card's waiting hold and request of the title, before the card. One statement when nothing
    waits (the usual take): a look for the two rows first, the locks only when there is one. Written by hand
    as they run on every take (decision 0010)."""
    hold, request = Hold._meta.db_table, Request._meta.db_table
    where = "WHERE card_id = %s AND title_id = %s AND status = 'waiting'"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT id FROM {hold} {where}), (SELECT id FROM {request} {where})",  # noqa: S608 — model names
            [card.pk, title.pk, card.pk, title.pk],
        )
        if cursor.fetchone() == (None, None):
            return Waiting([], [])
        locked = []
        for table in (hold, request):
            cursor.execute(f"SELECT id FROM {table} {where}{_for_update()}", [card.pk, title.pk])  # noqa: S608
            locked.append([row[0] for row in cursor.fetchall()])
    return Waiting(*locked)


def _lock_requests_of(holds: list[Hold]) -> Waiting:
    """Lock the waiting requests of the holds' readers for the holds' titles (a queue turn, which has the holds
    locked already; before the cards). One statement for any number of holds."""
    request, hold = Request._meta.db_table, Hold._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id FROM {request} r WHERE r.status = 'waiting' AND EXISTS (SELECT 1 FROM {hold} h"  # noqa: S608
            f" WHERE h.id IN ({', '.join(['%s'] * len(holds))}) AND h.card_id = r.card_id AND h.title_id = r.title_id)"
            f" ORDER BY r.id{_for_update()}",
            [hold.pk for hold in holds],
        )
        return Waiting([], [row[0] for row in cursor.fetchall()])


def close_waiting(waiting: Waiting, *, now: datetime, decided_by) -> list[tuple[int, int]]:
    """The loans just written end the card's place in the title's queue (the hold is fulfilled by the loan,
    as a queue turn fulfils it) and its request (approved with the loan, by `decided_by`; None: the reader
    took the book or the queue gave it). Only rows whose card now has the title on loan are closed; the others
    of the locked rows stay waiting. The holds behind move up by themselves: a position counts waiting holds.
    Returns (card id, title id) of the closed requests, for their REQUEST_APPROVED events. No statement when
    nothing waits — the usual take."""
    loan = Loan._meta.db_table
    at = connection.ops.adapt_datetimefield_value(now)  # as the ORM stores it (SQLite: naive UTC text)
    closed = []
    with connection.cursor() as cursor:
        for model, ids, sets, values in (
            (Hold, waiting.hold_ids, "ended_at = %s", [Hold.Status.FULFILLED, at]),
            (
                Request,
                waiting.request_ids,
                "decided_at = %s, decided_by_id = %s",
                [Request.Status.APPROVED, at, decided_by.pk if decided_by else None],
            ),
        ):
            if not ids:
                continue
            table = model._meta.db_table
            open_loan = (
                f"FROM {loan} l WHERE l.card_id = {table}.card_id AND l.title_id = {table}.title_id"
                " AND l.ended_at IS NULL"
            )
            returning = " RETURNING card_id, title_id" if model is Request else ""
            cursor.execute(
                f"UPDATE {table} SET status = %s, {sets}, loan_id = (SELECT l.id {open_loan})"  # noqa: S608
                f" WHERE id IN ({', '.join(['%s'] * len(ids))}) AND EXISTS (SELECT 1 {open_loan}){returning}",
                [*values, *ids],
            )
            if returning:
                closed = sorted(cursor.fetchall())
    return closed


def _notify(card: Card, kind: str, *, now: datetime, dedupe_key: str | None = None, **context) -> Notice | None:
    """Tell the reader by e-mail, or by a short SMS (template `<kind>_sms`) when they gave only a phone."""
    user = card.user
    if user.email:
        to, channel = user.email, Notice.Channel.EMAIL
    elif user.phone:
        to, channel, kind = user.phone, Notice.Channel.SMS, f"{kind}_sms"
    else:
        return None
    return notices.queue(
        kind=kind,
        to=to,
        channel=channel,
        user=user,
        library=card.library,
        language=user.language,
        context={"card": card, **context},
        now=now,
        dedupe_key=dedupe_key,
    )


# What the lending rules read from the card; refreshed under the card's row lock.
_RULE_FIELDS = ("status", "birth_date", "lending_mode", "max_on_hand")


def _issue(
    *,
    card: Card,
    title: Title,
    now: datetime,
    issued_by,
    self_service: bool,
    notice_kind: str | None = "loan_issued",
    request: Request | None = None,
) -> Loan:
    """Lend `title` to `card`: a free copy if there is one, otherwise a newly acquired copy. `request`: the
    card's request being approved, which must still be waiting once locked."""
    policies.check_lent_online(title)
    library = card.library
    copy_id = _lock_free_copy(library=library, title=title)
    if copy_id is None:
        if (
            self_service
            and not title.is_free
            and not policies.may_acquire_by_self_service(library=library, title=title)
        ):
            raise policies.NoCopyAvailable()
        # Checked before the library lock, which every acquisition of the library waits for: keep it short.
        if not lendable_by(library, title):
            raise NotInLibraryCatalog()
        library = Library.objects.select_for_update(no_key=True).get(pk=library.pk)
        # A copy may have come back while we waited for the library lock.
        copy_id = _lock_free_copy(library=library, title=title)
    waiting = _lock_waiting_of(card, title)
    if request is not None and request.pk not in waiting.request_ids:
        request.refresh_from_db(fields=["status"])
        raise AlreadyDecided(status=request.get_status_display().lower())
    rule = _Borrowers([card], now=now).check(card, title)
    if copy_id is None:
        copy_id = _acquire(library=library, title=title, now=now, actor=issued_by or card.user, card=card).pk
    loan = _lend(
        copy_id=copy_id,
        card=card,
        title=title,
        rule=rule,
        now=now,
        issued_by=issued_by,
        actor=issued_by or card.user,
        notice_kind=notice_kind,
    )
    if close_waiting(waiting, now=now, decided_by=issued_by):  # the card's request of the title, served now
        events.record_for_card(
            Event.Kind.REQUEST_APPROVED, card=card, title=title, actor=issued_by or card.user, now=now
        )
    return loan


def _issue_retrying(**kwargs) -> Loan:
    """`_issue` in its own transaction. A copy found free can be lent by a transaction that commits between our
    read and our lock (SKIP LOCKED does not re-read the loans); the database then refuses the second open loan of
    that copy and we look again — the next look sees that loan. The same reader twice is refused."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _issue(**kwargs)
        except IntegrityError as exc:
            if not _copy_was_taken(exc):
                raise policies.AlreadyOnLoan() from exc
            if attempt == 2:  # copies keep going to others: say so, the reader may join the queue
                raise policies.NoCopyAvailable() from exc
    raise AssertionError("unreachable")


def _copy_was_taken(exc: IntegrityError) -> bool:
    # PostgreSQL names the constraint; SQLite names the column of the partial unique index.
    text = str(exc)
    return "one_open_loan_per_copy" in text or "circulation_loan.copy_id" in text


# ---- reader actions -----------------------------------------------------------------------------


def take(*, card: Card, title: Title, now: datetime | None = None) -> Loan:
    """Self-service (SPEC L1, L2). Free titles can always be taken; paid ones when the card is self-service."""
    now = now or clock.now()
    policies.check_lent_online(title)
    rule = policies.lending_rule(library=card.library, card=card)
    if not rule.self_service and not title.is_free:
        raise policies.SelfServiceOff()
    return _issue_retrying(card=card, title=title, now=now, issued_by=None, self_service=True, notice_kind=None)


def _lock_reader_without(card: Card, title: Title) -> Card:
    """The card locked for a request or a place in the queue: refused when blocked or when it has the title on
    loan already."""
    card = _lock_card(card)
    if card.status != Card.Status.ACTIVE:
        raise policies.CardBlocked(number=card.number)
    if open_loans(card).filter(title=title).exists():
        raise policies.AlreadyOnLoan()
    return card


@transaction.atomic
def request_title(*, card: Card, title: Title, now: datetime | None = None) -> Request:
    """Ask the librarian for a title (SPEC L4)."""
    now = now or clock.now()
    policies.check_lent_online(title)
    card = _lock_reader_without(card, title)
    if Request.objects.filter(card=card, title=title, status=Request.Status.WAITING).exists():
        raise AlreadyRequested()
    request = Request.objects.create(
        card=card, library=card.library, title=title, created_at=now, birth_date_was=card.birth_date_was_on(now)
    )
    events.record_for_card(Event.Kind.REQUESTED, card=card, title=title, actor=card.user, now=now)
    library = card.library
    if library.notify_new_requests and library.contact_email:
        notices.queue(
            kind="new_request",
            to=library.contact_email,
            library=library,
            language=library.language,
            context={"request": request, "card": card, "title": title},
            now=now,
        )
    return request


@transaction.atomic
def cancel_request(*, card: Card, request: Request, now: datetime | None = None) -> Request:
    now = now or clock.now()
    request = Request.objects.select_for_update(no_key=True).get(pk=request.pk, card=card)
    if request.status != Request.Status.WAITING:
        raise AlreadyDecided(status=request.get_status_display().lower())
    request.status, request.decided_at = Request.Status.CANCELLED, now
    request.save(update_fields=["status", "decided_at"])
    events.record_for_card(Event.Kind.REQUEST_CANCELLED, card=card, title=request.title, actor=card.user, now=now)
    return request


def queue_position(hold: Hold) -> int:
    return (
        Hold.objects.filter(library=hold.library_id, title=hold.title_id, status=Hold.Status.WAITING)
        .filter(created_at__lt=hold.created_at)
        .count()
        + Hold.objects.filter(
            library=hold.library_id,
            title=hold.title_id,
            status=Hold.Status.WAITING,
            created_at=hold.created_at,
            id__lte=hold.pk,
        ).count()
    )


@transaction.atomic
def join_queue(*, card: Card, title: Title, now: datetime | None = None) -> Hold:
    """Take a place in the title's queue (SPEC L3)."""
    now = now or clock.now()
    policies.check_lent_online(title)
    card = _lock_reader_without(card, title)
    if Hold.objects.filter(card=card, title=title, status=Hold.Status.WAITING).exists():
        raise AlreadyQueued()
    check_can_queue(library=card.library, title=title)
    try:
        with transaction.atomic():
            hold = Hold.objects.create(card=card, library=card.library, title=title, created_at=now)
    except IntegrityError as exc:
        raise AlreadyQueued() from exc
    events.record_for_card(Event.Kind.QUEUED, card=card, title=title, actor=card.user, now=now)
    # A copy may have come back since the reader was offered the queue: serve the queue now, not at the next return.
    copy_id = _lock_free_copy(library=card.library, title=title)
    if copy_id is not None:
        serve_queues(copy_ids=[copy_id], now=now)
        hold.refresh_from_db()
    return hold


@transaction.atomic
def leave_queue(*, card: Card, hold: Hold, now: datetime | None = None) -> Hold:
    now = now or clock.now()
    hold = Hold.objects.select_for_update(no_key=True).get(pk=hold.pk, card=card)
    if hold.status == Hold.Status.WAITING:
        hold.status, hold.ended_at = Hold.Status.CANCELLED, now
        hold.save(update_fields=["status", "ended_at"])
        events.record_for_card(Event.Kind.QUEUE_LEFT, card=card, title=hold.title, actor=card.user, now=now)
    return hold


# ---- staff actions ------------------------------------------------------------------------------


def approve_requests(*, librarian, requests: list[Request], now: datetime | None = None) -> list[Outcome]:
    """Approve each request in its own transaction: one that cannot be served does not stop the others."""
    now = now or clock.now()
    outcomes = []
    for request in requests:
        try:
            with transaction.atomic():
                outcomes.append(Outcome(_approve(librarian=librarian, request=request, now=now)))
        except IntegrityError:
            outcomes.append(Outcome(request, policies.AlreadyOnLoan()))
        except DomainError as error:
            outcomes.append(Outcome(request, error))
    return outcomes


def _approve(*, librarian, request: Request, now: datetime) -> Request:
    # Not locked here: `_issue` locks it with the card's hold of the title, in the order holds → requests → card.
    request = Request.objects.select_related("card__library", "card__user", "title").get(pk=request.pk)
    if request.status != Request.Status.WAITING:
        raise AlreadyDecided(status=request.get_status_display().lower())
    loan = _issue(
        card=request.card,
        title=request.title,
        now=now,
        issued_by=librarian,
        self_service=False,
        notice_kind="request_approved",
        request=request,
    )
    # The loan closed the request and recorded its approval, as any loan closes the card's request of the title.
    request.status, request.decided_at, request.decided_by, request.loan = Request.Status.APPROVED, now, librarian, loan
    return request


def mark_rejected(request: Request, *, librarian, reason: str, now: datetime) -> None:
    """Refuse a waiting request (an e-book request or a reservation) locked by the caller."""
    if request.status != Request.Status.WAITING:
        raise AlreadyDecided(status=request.get_status_display().lower())
    request.status, request.decided_at, request.decided_by, request.reason = (
        Request.Status.REJECTED,
        now,
        librarian,
        reason[:500],
    )
    request.save(update_fields=["status", "decided_at", "decided_by", "reason"])


@transaction.atomic
def reject_requests(*, librarian, requests: list[Request], reason: str, now: datetime | None = None) -> list[Request]:
    """Reject all given waiting requests with one reason, sent to each reader. All or nothing."""
    now = now or clock.now()
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    rejected = []
    for request in (
        Request.objects.select_for_update(of=("self",), no_key=True)
        .select_related("card__library", "card__user", "title")
        .filter(pk__in=[r.pk for r in requests])
        .order_by("pk")
    ):
        mark_rejected(request, librarian=librarian, reason=reason, now=now)
        events.record_for_card(
            Event.Kind.REQUEST_REJECTED, card=request.card, title=request.title, actor=librarian, now=now, reason=reason
        )
        _notify(request.card, "request_rejected", now=now, title=request.title, reason=reason)
        rejected.append(request)
    return rejected


def force_issue(*, librarian, library: Library, card_number: str, title: Title, now: datetime | None = None) -> Loan:
    """The librarian issues a title to a card of their library at once (SPEC L5)."""
    now = now or clock.now()
    card = Card.objects.select_related("library", "user").filter(library=library, number=card_number.strip()).first()
    if card is None:
        raise UnknownCard(number=card_number.strip())
    return _issue_retrying(card=card, title=title, now=now, issued_by=librarian, self_service=False)


class UnknownCard(DomainError):
    code = "unknown_card"
    status = 404
    message = _("There is no reader card %(number)s in this library.")


# ---- loan end and the queue ---------------------------------------------------------------------


@transaction.atomic
def return_loan(*, loan: Loan, actor, now: datetime | None = None) -> Loan:
    """Early return by the reader (or at the desk). The freed copy serves the queue."""
    now = now or clock.now()
    loan = (
        Loan.objects.select_for_update(of=("self",), no_key=True)
        .select_related("card__user", "card__library")
        .get(pk=loan.pk)
    )
    if loan.ended_at is not None:
        return loan
    if loan.copy.item_id is not None:
        raise policies.PaperLoanReturnedAtDesk()
    loan.ended_at, loan.end_reason = now, Loan.EndReason.RETURNED
    loan.save(update_fields=["ended_at", "end_reason"])
    events.record_for_card(Event.Kind.RETURNED, card=loan.card, title=loan.title, actor=actor, now=now)
    serve_queue(copy=loan.copy, now=now)
    return loan


def serve_queue(*, copy: Copy, now: datetime) -> Loan | None:
    """Give one freed copy to the first reader in line who still qualifies (a return)."""
    loans = serve_queues(copy_ids=[copy.pk], now=now)
    return loans[0] if loans else None


def serve_queues(*, copy_ids, now: datetime) -> list[Loan]:
    """Give each freed copy to the first reader in its title's line who still qualifies; skipped readers leave
    the line and are told why (SPEC L3). Runs inside the caller's transaction. Set-based — the expiry frees
    thousands of copies at once: a fixed number of queries for any number of copies."""
    on_loan = Loan.objects.filter(copy=OuterRef("pk"), ended_at__isnull=True)
    copies = list(
        Copy.objects.select_for_update(of=("self",), no_key=True)
        .select_related("title", "library")
        .filter(pk__in=copy_ids, item__isnull=True)  # paper items are passed on at the desk (setaside.pass_on)
        .exclude(Exists(on_loan))
        .order_by("pk")
    )
    wanted = {(copy.library_id, copy.title_id) for copy in copies}
    # The lines are read first and only the holds of the wanted (library, title) pairs are locked: locking the
    # whole libraries × titles product would hide other lines from a return that serves them at the same time.
    waiting = Hold.objects.filter(
        status=Hold.Status.WAITING,
        library__in={library for library, _ in wanted},
        title__in={title for _, title in wanted},
    ).values_list("pk", "library_id", "title_id")
    hold_ids = [pk for pk, library, title in waiting if (library, title) in wanted] if copies else []
    lines: dict[tuple[int, int], deque[Hold]] = defaultdict(deque)
    for hold in (
        Hold.objects.select_for_update(of=("self",), skip_locked=True, no_key=True)
        .select_related("card__library", "card__user")
        .filter(pk__in=hold_ids, status=Hold.Status.WAITING)
        .order_by("created_at", "id")
    ):
        lines[hold.library_id, hold.title_id].append(hold)
    if not lines:
        return []
    in_line = [hold for line in lines.values() for hold in line]
    # The holds are locked already; their readers' requests of the titles are closed by the loans below.
    requests = _lock_requests_of(in_line)
    readers = _Borrowers([hold.card for hold in in_line], now=now)
    served, skipped = [], []
    for copy in copies:
        line = lines.get((copy.library_id, copy.title_id))
        while line:
            hold = line.popleft()
            try:
                loan = readers.lend(hold.card, copy)
            except DomainError as error:
                hold.status, hold.ended_at = Hold.Status.CANCELLED, now
                skipped.append((hold, error))
                continue
            hold.status, hold.ended_at, hold.loan = Hold.Status.FULFILLED, now, loan
            served.append(hold)
            break
    Loan.objects.bulk_create([hold.loan for hold in served])
    Hold.objects.bulk_update(served + [hold for hold, _ in skipped], ["status", "ended_at", "loan"])
    approved = set(close_waiting(requests, now=now, decided_by=None))
    Event.objects.bulk_create(
        [
            events.build(
                kind,
                library=hold.card.library,
                subject_user=hold.card.user,
                card=hold.card,
                title=hold.loan.title,
                now=now,
            )
            for hold in served
            for kind in (Event.Kind.ISSUED, Event.Kind.REQUEST_APPROVED)
            if kind == Event.Kind.ISSUED or (hold.card_id, hold.title_id) in approved
        ]
        + [
            events.build(
                Event.Kind.QUEUE_SKIPPED,
                library=hold.card.library,
                subject_user=hold.card.user,
                card=hold.card,
                title=hold.title,
                reason=str(error),
                now=now,
            )
            for hold, error in skipped
        ]
    )
    with notices.batch():
        for hold in served:
            _notify(hold.card, "queue_turn", now=now, loan=hold.loan, title=hold.loan.title)
        for hold, error in skipped:
            _notify(hold.card, "queue_skipped", now=now, title=hold.title, reason=str(error))
    return [hold.loan for hold in served]


def serve_idle_copies(*, now: datetime | None = None, batch_size: int = 2000) -> int:
    """The safety net behind `serve_queues`, run with the expiry every minute: lend free copies whose line has
    someone waiting. A copy can be left so in two races that locking cannot close without risking deadlocks:
    two copies of one line freed at the same instant (the second transaction skips the holds the first has
    locked), and a reader joining the line while a copy comes back (their hold is not yet visible to the return).
    Returns how many loans it made; usually 0, for two indexed queries."""
    now = now or clock.now()
    # The waiting lines come from the small partial index of waiting holds, not from a scan of every copy.
    waiting = Hold.objects.filter(status=Hold.Status.WAITING).order_by()  # no ordering: it would defeat DISTINCT
    lines = sorted(waiting.values_list("library_id", "title_id").distinct())
    on_loan = Loan.objects.filter(copy=OuterRef("pk"), ended_at__isnull=True)
    idle = []
    for start in range(0, len(lines), 500):  # bounded IN lists (SQLite's limit on parameters)
        chunk = set(lines[start : start + 500])
        idle += [
            pk
            for pk, library, title in Copy.objects.filter(
                library__in={library for library, _ in chunk},
                title__in={title for _, title in chunk},
                item__isnull=True,
            )
            .exclude(Exists(on_loan))
            .values_list("pk", "library_id", "title_id")
            if (library, title) in chunk
        ]
    idle.sort()
    lent = 0
    for start in range(0, len(idle), batch_size):
        with transaction.atomic():
            lent += len(serve_queues(copy_ids=idle[start : start + batch_size], now=now))
    return lent


class _Borrowers:
    """The lending checks for one or many readers: their cards locked (in id order) and refreshed, their open
    loans read with one query, both kept up to date as a batch lends. Two queries for any number of readers."""

    def __init__(self, cards: list[Card], *, now: datetime):
        self.now = now
        ids = sorted({card.pk for card in cards})
        marks = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            # Two statements, not one: the loans must be read after the lock is granted, or a take of the same
            # reader committed while we waited would be missed (a statement sees the data as of its start).
            cursor.execute(
                f"SELECT id, {', '.join(_RULE_FIELDS)} FROM {Card._meta.db_table}"  # noqa: S608 — names from the models
                f" WHERE id IN ({marks}) ORDER BY id{_for_update()}",
                ids,
            )
            fresh = {row[0]: row[1:] for row in cursor.fetchall()}
            cursor.execute(
                f"SELECT card_id, title_id, is_free FROM {Loan._meta.db_table}"  # noqa: S608 — names from the models
                f" WHERE card_id IN ({marks}) AND ended_at IS NULL",
                ids,
            )
            open_loans = cursor.fetchall()
        birth_date = Card._meta.get_field("birth_date")
        for card in cards:
            for field, value in zip(_RULE_FIELDS, fresh[card.pk], strict=True):
                setattr(card, field, birth_date.to_python(value) if field == "birth_date" else value)
        self.paid = defaultdict(int)
        self.holding = set()
        for card_id, title_id, is_free in open_loans:
            self.paid[card_id] += not is_free
            self.holding.add((card_id, title_id))

    def check(self, card: Card, title: Title) -> policies.LendingRule:
        """The reader's lending rule, or the DomainError that says why they may not get `title` now."""
        rule = policies.lending_rule(library=card.library, card=card)
        policies.check_can_borrow(
            card=card,
            title=title,
            rule=rule,
            paid_on_hand=self.paid[card.pk],
            has_title=(card.pk, title.pk) in self.holding,
            today=rule.local_date(self.now),
        )
        return rule

    def lend(self, card: Card, copy: Copy) -> Loan:
        """An unsaved loan of `copy` to `card` (checked and counted), or the DomainError that says why not."""
        title = copy.title
        rule = self.check(card, title)
        self.paid[card.pk] += not title.is_free
        self.holding.add((card.pk, title.pk))
        return Loan(
            copy=copy,
            card=card,
            library_id=copy.library_id,
            title=title,
            is_free=title.is_free,
            started_at=self.now,
            due_at=rule.due(self.now),
        )


def expire_due_loans(*, now: datetime | None = None, batch_size: int = 2000) -> int:
    """End every loan whose last day is over, actor "System" (SPEC L7), set-based: a batch of loans costs a
    constant number of queries, plus one `serve_queue` per freed copy that someone waits for. Safe to run twice
    or in two workers at once: each batch is locked (SKIP LOCKED) and taken only while still open (PostgreSQL
    re-reads a row it had to wait for; SQLite runs one writer at a time)."""
    now = now or clock.now()
    # One read of what is due, in card order so a reader's loans share a batch and a notice. Loans that fall due
    # during the run are the next run's (a minute later).
    due = list(
        Loan.objects.filter(ended_at__isnull=True, due_at__lte=now, copy__item__isnull=True)  # paper: overdue
        .order_by("card_id", "id")
        .values_list("id", flat=True)
    )
    ended = 0
    for start in range(0, len(due), batch_size):
        with transaction.atomic():
            loan_ids = list(
                Loan.objects.select_for_update(skip_locked=True, no_key=True)
                .filter(pk__in=due[start : start + batch_size], ended_at__isnull=True)
                .order_by("id")
                .values_list("id", flat=True)
            )
            if loan_ids:
                _expire(loan_ids, now=now)
        ended += len(loan_ids)
    return ended


def _expire(loan_ids: list[int], *, now: datetime) -> None:
    """End the locked open loans `loan_ids`: events, one "loans ended" notice per reader, then the queues."""
    Loan.objects.filter(pk__in=loan_ids).update(ended_at=now, end_reason=Loan.EndReason.EXPIRED)
    _record_expiry_events(loan_ids, now=now)
    waited_for = Hold.objects.filter(library=OuterRef("library"), title=OuterRef("title"), status=Hold.Status.WAITING)
    with notices.batch():
        _notify_loans_ended(loan_ids, now=now)
        serve_queues(
            copy_ids=list(
                Copy.objects.filter(loans__pk__in=loan_ids).filter(Exists(waited_for)).values_list("pk", flat=True)
            ),
            now=now,
        )


def _record_expiry_events(loan_ids: list[int], *, now: datetime) -> None:
    """One INSERT … SELECT instead of an Event object per loan: 100,000 expiries must take seconds (issue #5).
    The rows are what `events.record(LOAN_EXPIRED, actor=None, …)` writes for each loan."""
    event, loan, card = Event._meta.db_table, Loan._meta.db_table, Card._meta.db_table
    placeholders = ", ".join(["%s"] * len(loan_ids))
    # Table names come from the models and every value is a parameter.
    sql = (
        f"INSERT INTO {event} (kind, at, library_id, actor_id, actor_label, subject_user_id, ip, card_id,"  # noqa: S608
        f" title_id, reason, details)"
        f" SELECT %s, %s, c.library_id, NULL, %s, c.user_id, NULL, l.card_id, l.title_id, '', '{{}}'"
        f" FROM {loan} l JOIN {card} c ON c.id = l.card_id WHERE l.id IN ({placeholders}) ORDER BY l.id"
    )
    with connection.cursor() as cursor:
        at = connection.ops.adapt_datetimefield_value(now)  # as the ORM stores it (SQLite: naive UTC text)
        cursor.execute(sql, [Event.Kind.LOAN_EXPIRED, at, events.SYSTEM, *loan_ids])


def _notify_loans_ended(loan_ids: list[int], *, now: datetime) -> None:
    """One notice per reader: an e-mail, or a short SMS (`loan_ended_sms`) when they gave only a phone."""
    ended = (
        Loan.objects.filter(pk__in=loan_ids)
        .filter(Q(card__user__email__gt="") | Q(card__user__phone__gt=""))
        .order_by("card_id", "title__title")
        .values_list(
            "card_id",
            "card__library_id",
            "card__user_id",
            "card__user__email",
            "card__user__phone",
            "card__user__language",
            "title__title",
        )
    )
    by_card: dict[int, tuple] = {}
    for card_id, library_id, user_id, email, phone, language, title in ended:
        by_card.setdefault(card_id, (library_id, user_id, email, phone, language, []))[5].append(title)
    libraries = Library.objects.in_bulk({reader[0] for reader in by_card.values()})
    for library_id, user_id, email, phone, language, titles in by_card.values():
        if email:
            to, channel, kind = email, Notice.Channel.EMAIL, "loan_ended"
        else:
            to, channel, kind = phone, Notice.Channel.SMS, "loan_ended_sms"
        notices.queue(
            kind=kind,
            to=to,
            channel=channel,
            language=language,
            library=libraries[library_id],
            user=User(pk=user_id),
            context={"titles": titles},
            now=now,
        )


# ---- wish list ----------------------------------------------------------------------------------


def defer(*, user, title: Title, now: datetime | None = None) -> Deferral:
    deferral, _ = Deferral.objects.get_or_create(user=user, title=title, defaults={"created_at": now or clock.now()})
    return deferral


def undefer(*, user, title: Title) -> None:
    Deferral.objects.filter(user=user, title=title).delete()
