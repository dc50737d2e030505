"""Every change of circulation state: take, request, approve, reject, queue, issue, return, expire.

Lock order, always: library (credits) → copies → card → requests/holds. Each public function is one
transaction and writes nothing when it raises. Events and notices are written in the same transaction.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext_lazy as _

from abonement.catalog.models import Title
from abonement.catalog.selectors import may_lend
from abonement.circulation import policies
from abonement.circulation.models import Copy, Deferral, Hold, Loan, Request
from abonement.core import clock, events
from abonement.core.errors import DomainError
from abonement.core.models import Event
from abonement.libraries.models import CreditEntry, Library
from abonement.notifications import services as notices
from abonement.readers.models import Card


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
    return CreditEntry.objects.create(
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


def free_copies(*, library: Library, title: Title):
    on_loan = Loan.objects.filter(copy=OuterRef("pk"), ended_at__isnull=True)
    return Copy.objects.filter(library=library, title=title).exclude(Exists(on_loan)).order_by("id")


def lendable_by(library: Library, title: Title) -> bool:
    """Free titles always; paid ones within the library's part of the catalogue (paper: its network's)."""
    return (title.is_free and title.network_id is None) or may_lend(library, title)


def _lock_free_copy(*, library: Library, title: Title) -> Copy | None:
    # SKIP LOCKED: concurrent takers each get a different free copy instead of queueing on the same row.
    return free_copies(library=library, title=title).select_for_update(skip_locked=True, no_key=True).first()


def _acquire(*, library: Library, title: Title, now: datetime, actor, card) -> Copy:
    """A new copy at the title's price. The caller holds the library row lock."""
    if not lendable_by(library, title):
        raise NotInLibraryCatalog()
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
    copy = Copy.objects.create(library=library, title=title, acquired_at=now, cost=price)
    events.record(Event.Kind.COPY_ACQUIRED, actor=actor, library=library, card=card, title=title, now=now, cost=price)
    return copy


def _lock_card(card: Card) -> Card:
    return Card.objects.select_for_update(of=("self",), no_key=True).select_related("library", "user").get(pk=card.pk)


def _lend(
    *,
    copy: Copy,
    card: Card,
    title: Title,
    rule: policies.LendingRule,
    now: datetime,
    issued_by,
    actor,
    notice_kind: str = "loan_issued",
) -> Loan:
    """Create the loan; the card is locked and checked by the caller. `actor` None is the System."""
    loan = Loan.objects.create(
        copy=copy,
        card=card,
        library_id=copy.library_id,
        title=title,
        is_free=title.is_free,
        started_at=now,
        due_at=rule.due(now),
        issued_by=issued_by,
    )
    events.record(
        Event.Kind.ISSUED, actor=actor, library=card.library, subject_user=card.user, card=card, title=title, now=now
    )
    _notify(card, notice_kind, now=now, loan=loan, title=title)
    return loan


def _notify(card: Card, kind: str, *, now: datetime, **context) -> None:
    user = card.user
    if user.email:
        notices.queue(
            kind=kind,
            to=user.email,
            user=user,
            library=card.library,
            language=user.language,
            context={"card": card, **context},
            now=now,
        )


def _check(card: Card, title: Title, rule, now: datetime) -> None:
    policies.check_can_borrow(
        card=card,
        title=title,
        rule=rule,
        paid_on_hand=paid_on_hand(card),
        has_title=open_loans(card).filter(title=title).exists(),
        today=rule.local_date(now),
    )


def _issue(
    *, card: Card, title: Title, now: datetime, issued_by, self_service: bool, notice_kind: str = "loan_issued"
) -> Loan:
    """Lend `title` to `card`: a free copy if there is one, otherwise a newly acquired copy."""
    library = card.library
    # Refuse early, before taking any lock; the check is repeated once the card is locked.
    _check(card, title, policies.lending_rule(library=library, card=card), now)
    copy = _lock_free_copy(library=library, title=title)
    if copy is None:
        if (
            self_service
            and not title.is_free
            and not policies.may_acquire_by_self_service(library=library, title=title)
        ):
            raise policies.NoCopyAvailable()
        library = Library.objects.select_for_update(no_key=True).get(pk=library.pk)
        # A copy may have come back while we waited for the library lock.
        copy = _lock_free_copy(library=library, title=title) or _acquire(
            library=library, title=title, now=now, actor=issued_by or card.user, card=card
        )
    card = _lock_card(card)
    rule = policies.lending_rule(library=card.library, card=card)
    _check(card, title, rule, now)
    return _lend(
        copy=copy,
        card=card,
        title=title,
        rule=rule,
        now=now,
        issued_by=issued_by,
        actor=issued_by or card.user,
        notice_kind=notice_kind,
    )


# ---- reader actions -----------------------------------------------------------------------------


def take(*, card: Card, title: Title, now: datetime | None = None) -> Loan:
    """Self-service (SPEC L1, L2). Free titles can always be taken; paid ones when the card is self-service."""
    now = now or clock.now()
    rule = policies.lending_rule(library=card.library, card=card)
    if not rule.self_service and not title.is_free:
        raise policies.SelfServiceOff()
    try:
        with transaction.atomic():
            return _issue(card=card, title=title, now=now, issued_by=None, self_service=True)
    except IntegrityError as exc:
        # Two clicks of the same reader at the same instant: the database let only one loan through.
        raise policies.AlreadyOnLoan() from exc


@transaction.atomic
def request_title(*, card: Card, title: Title, now: datetime | None = None) -> Request:
    """Ask the librarian for a title (SPEC L4)."""
    now = now or clock.now()
    card = _lock_card(card)
    if card.status != Card.Status.ACTIVE:
        raise policies.CardBlocked(number=card.number)
    if open_loans(card).filter(title=title).exists():
        raise policies.AlreadyOnLoan()
    if Request.objects.filter(card=card, title=title, status=Request.Status.WAITING).exists():
        raise AlreadyRequested()
    request = Request.objects.create(card=card, library=card.library, title=title, created_at=now)
    events.record(
        Event.Kind.REQUESTED,
        actor=card.user,
        library=card.library,
        subject_user=card.user,
        card=card,
        title=title,
        now=now,
    )
    library = card.library
    if library.notify_new_requests and library.contact_email:
        notices.queue(
            kind="new_request",
            to=library.contact_email,
            library=library,
            language="ru",
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
    events.record(
        Event.Kind.REQUEST_CANCELLED,
        actor=card.user,
        library=request.library,
        subject_user=card.user,
        card=card,
        title=request.title,
        now=now,
    )
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
    card = _lock_card(card)
    if card.status != Card.Status.ACTIVE:
        raise policies.CardBlocked(number=card.number)
    if open_loans(card).filter(title=title).exists():
        raise policies.AlreadyOnLoan()
    if Hold.objects.filter(card=card, title=title, status=Hold.Status.WAITING).exists():
        raise AlreadyQueued()
    try:
        with transaction.atomic():
            hold = Hold.objects.create(card=card, library=card.library, title=title, created_at=now)
    except IntegrityError as exc:
        raise AlreadyQueued() from exc
    events.record(
        Event.Kind.QUEUED,
        actor=card.user,
        library=card.library,
        subject_user=card.user,
        card=card,
        title=title,
        now=now,
    )
    return hold


@transaction.atomic
def leave_queue(*, card: Card, hold: Hold, now: datetime | None = None) -> Hold:
    now = now or clock.now()
    hold = Hold.objects.select_for_update(no_key=True).get(pk=hold.pk, card=card)
    if hold.status == Hold.Status.WAITING:
        hold.status, hold.ended_at = Hold.Status.CANCELLED, now
        hold.save(update_fields=["status", "ended_at"])
        events.record(
            Event.Kind.QUEUE_LEFT,
            actor=card.user,
            library=hold.library,
            subject_user=card.user,
            card=card,
            title=hold.title,
            now=now,
        )
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
    request = (
        Request.objects.select_for_update(of=("self",), no_key=True)
        .select_related("card__library", "card__user", "title")
        .get(pk=request.pk)
    )
    if request.status != Request.Status.WAITING:
        raise AlreadyDecided(status=request.get_status_display().lower())
    loan = _issue(
        card=request.card,
        title=request.title,
        now=now,
        issued_by=librarian,
        self_service=False,
        notice_kind="request_approved",
    )
    request.status, request.decided_at, request.decided_by, request.loan = Request.Status.APPROVED, now, librarian, loan
    request.save(update_fields=["status", "decided_at", "decided_by", "loan"])
    events.record(
        Event.Kind.REQUEST_APPROVED,
        actor=librarian,
        library=request.library,
        subject_user=request.card.user,
        card=request.card,
        title=request.title,
        now=now,
    )
    return request


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
        if request.status != Request.Status.WAITING:
            raise AlreadyDecided(status=request.get_status_display().lower())
        request.status, request.decided_at, request.decided_by, request.reason = (
            Request.Status.REJECTED,
            now,
            librarian,
            reason[:500],
        )
        request.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        events.record(
            Event.Kind.REQUEST_REJECTED,
            actor=librarian,
            library=request.library,
            subject_user=request.card.user,
            card=request.card,
            title=request.title,
            reason=reason,
            now=now,
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
    try:
        with transaction.atomic():
            return _issue(card=card, title=title, now=now, issued_by=librarian, self_service=False)
    except IntegrityError as exc:
        raise policies.AlreadyOnLoan() from exc


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
    _end(loan, reason=Loan.EndReason.RETURNED, actor=actor, now=now)
    serve_queue(copy=loan.copy, now=now)
    return loan


def _end(loan: Loan, *, reason: str, actor, now: datetime) -> None:
    loan.ended_at, loan.end_reason = now, reason
    loan.save(update_fields=["ended_at", "end_reason"])
    kind = Event.Kind.RETURNED if reason == Loan.EndReason.RETURNED else Event.Kind.LOAN_EXPIRED
    events.record(
        kind,
        actor=actor,
        library=loan.card.library,
        subject_user=loan.card.user,
        card=loan.card,
        title=loan.title,
        now=now,
    )
    if reason == Loan.EndReason.EXPIRED:
        _notify(loan.card, "loan_ended", now=now, loan=loan, title=loan.title)


def serve_queue(*, copy: Copy, now: datetime) -> Loan | None:
    """Give a freed copy to the first reader in line who still qualifies; tell the skipped ones why (SPEC L3).
    Runs inside the caller's transaction, which holds the copy's loan row."""
    copy = Copy.objects.select_for_update(of=("self",), no_key=True).select_related("title", "library").get(pk=copy.pk)
    if Loan.objects.filter(copy=copy, ended_at__isnull=True).exists():
        return None
    holds = (
        Hold.objects.select_for_update(skip_locked=True, no_key=True)
        .filter(library=copy.library, title=copy.title, status=Hold.Status.WAITING)
        .order_by("created_at", "id")
    )
    for hold in holds:
        card = _lock_card(hold.card)
        rule = policies.lending_rule(library=card.library, card=card)
        try:
            _check(card, copy.title, rule, now)
        except DomainError as error:
            hold.status, hold.ended_at = Hold.Status.CANCELLED, now
            hold.save(update_fields=["status", "ended_at"])
            events.record(
                Event.Kind.QUEUE_SKIPPED,
                library=card.library,
                subject_user=card.user,
                card=card,
                title=copy.title,
                reason=str(error),
                now=now,
            )
            _notify(card, "queue_skipped", now=now, title=copy.title, reason=str(error))
            continue
        loan = _lend(
            copy=copy,
            card=card,
            title=copy.title,
            rule=rule,
            now=now,
            issued_by=None,
            actor=None,
            notice_kind="queue_turn",
        )
        hold.status, hold.ended_at, hold.loan = Hold.Status.FULFILLED, now, loan
        hold.save(update_fields=["status", "ended_at", "loan"])
        return loan
    return None


def expire_due_loans(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """End every loan whose last day is over, actor "System" (SPEC L7). Safe to run twice or in two workers
    at once: each loan is taken under a row lock (SKIP LOCKED) and only while it is still open."""
    now = now or clock.now()
    ended = 0
    while True:
        with transaction.atomic():
            loans = list(
                Loan.objects.select_for_update(of=("self",), skip_locked=True, no_key=True)
                .select_related("card__user", "card__library", "title", "copy")
                .filter(ended_at__isnull=True, due_at__lte=now)
                .order_by("due_at", "id")[:batch_size]
            )
            for loan in loans:
                _end(loan, reason=Loan.EndReason.EXPIRED, actor=None, now=now)
                serve_queue(copy=loan.copy, now=now)
        ended += len(loans)
        if len(loans) < batch_size:
            return ended


# ---- wish list ----------------------------------------------------------------------------------


def defer(*, user, title: Title, now: datetime | None = None) -> Deferral:
    deferral, _ = Deferral.objects.get_or_create(user=user, title=title, defaults={"created_at": now or clock.now()})
    return deferral


def undefer(*, user, title: Title) -> None:
    Deferral.objects.filter(user=user, title=title).delete()
