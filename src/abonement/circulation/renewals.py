"""Renewing paper loans (SPEC P5): the reader asks from the loans list, staff decide, or renew at the desk.

A reader's request is refused at once, with the reason, after the due date, when others queue for the title at
that library, beyond the rule's renewal limit, or for a debtor; the refusal is recorded (a REFUSED Renewal and an
event) and then raised, so the page answers 4xx with the reason and the loan is unchanged. Otherwise it is granted
at once where the library renews automatically, else it waits for staff ("renewal requested").

Staff may renew past the due date (a reader phoning in late, as Koha lets staff do); the other checks hold for
them too. The new due date counts the rule's loan period from the old due date (from now when that is past), at
the closing time of an opening day.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from abonement.catalog.models import Item
from abonement.circulation import policies, selectors
from abonement.circulation.models import Hold, Loan, Renewal
from abonement.circulation.services import ReasonRequired, _notify
from abonement.core import clock, events
from abonement.core.errors import DomainError
from abonement.core.models import Event
from abonement.libraries.calendar import calendar_for


class RenewalRefused(DomainError):
    status = 409


class PastDue(RenewalRefused):
    code = "renewal_past_due"
    message = _("The due date has passed: a loan cannot be renewed after it. Return the book or ask the librarian.")


class OthersWaiting(RenewalRefused):
    code = "renewal_others_waiting"
    message = _("Other readers are waiting for this book, so it cannot be renewed.")


class RenewalLimitReached(RenewalRefused):
    code = "renewal_limit_reached"
    message = _("This loan was already renewed %(limit)d times, the most the library allows.")


class DebtorCannotRenew(RenewalRefused):
    code = "renewal_debtor"
    status = 403
    message = _("Renewal is refused: %(reason)s")


class RenewalAlreadyRequested(DomainError):
    code = "renewal_already_requested"
    status = 409
    message = _("Renewal is already requested; the librarian will decide.")


class NotRenewable(DomainError):
    code = "loan_not_renewable"
    status = 409
    message = _("Only an open loan of a paper book can be renewed.")


class RenewalAlreadyDecided(DomainError):
    code = "renewal_already_decided"
    status = 409
    message = _("This renewal was already decided.")


@dataclass(frozen=True)
class Outcome:
    renewal: Renewal
    error: DomainError | None = None


def _lock_loan(loan: Loan) -> Loan:
    loan = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("card__user", "card__library", "library", "title", "copy__item__library")
        .get(pk=loan.pk)
    )
    if loan.ended_at is not None or loan.copy.item_id is None:
        raise NotRenewable()
    return loan


def _check(loan: Loan, *, now: datetime, by_staff: bool) -> policies.PaperRule:
    """Raise the first reason why `loan` may not be renewed now; return its rule."""
    if not by_staff and loan.due_at < now:
        raise PastDue()
    if Hold.objects.filter(library_id=loan.library_id, title_id=loan.title_id, status=Hold.Status.WAITING).exists():
        raise OthersWaiting()
    rule = selectors.paper_rule(item=loan.copy.item, card=loan.card)
    if loan.renewal_count >= rule.renewals_allowed:
        raise RenewalLimitReached(limit=rule.renewals_allowed)
    card, library = loan.card, loan.card.library
    try:
        policies.check_not_debtor(
            overdue_items=selectors.overdue_paper_loans(card, now=now).exclude(pk=loan.pk).count(),
            fines_owed=card.fines_owed,
            threshold=library.debtor_fine_threshold,
            currency=library.currency,
        )
    except policies.DebtorBlocked as exc:
        raise DebtorCannotRenew(reason=str(exc)) from None
    return rule


def _grant(renewal: Renewal, *, loan: Loan, rule: policies.PaperRule, now: datetime, actor, notify: bool) -> Renewal:
    calendar = calendar_for(loan.library)
    new_due = calendar.due(max(now, loan.due_at), rule.loan_days)
    renewal.status = Renewal.Status.GRANTED
    renewal.decided_at = now
    renewal.decided_by = actor
    renewal.due_after = new_due
    renewal.save()
    old_due = loan.due_at
    loan.due_at = new_due
    loan.renewal_count += 1
    loan.save(update_fields=["due_at", "renewal_count"])
    Item.objects.filter(pk=loan.copy.item_id).update(due_date=calendar.local_date(new_due))
    events.record_for_card(
        Event.Kind.RENEWED,
        card=loan.card,
        actor=actor,
        now=now,
        title=loan.title,
        item=loan.copy.item.barcode,
        due_before=old_due.isoformat(),
        due_after=new_due.isoformat(),
    )
    if notify:
        _notify(loan.card, "renewal_granted", now=now, title=loan.title, due_at=new_due, item=loan.copy.item)
    return renewal


def _refuse(renewal: Renewal, *, loan: Loan, reason: str, now: datetime, actor, notify: bool) -> Renewal:
    renewal.status = Renewal.Status.REFUSED
    renewal.decided_at = now
    renewal.decided_by = actor
    renewal.reason = str(reason)[:500]
    renewal.save()
    events.record_for_card(
        Event.Kind.RENEWAL_REFUSED, card=loan.card, actor=actor, now=now, title=loan.title, reason=renewal.reason
    )
    if notify:
        _notify(loan.card, "renewal_refused", now=now, title=loan.title, reason=renewal.reason, due_at=loan.due_at)
    return renewal


def request_renewal(*, card, loan: Loan, now: datetime | None = None) -> Renewal:
    """The reader asks to renew `loan` (theirs). Returns the GRANTED or REQUESTED renewal; a refusal is recorded
    and then raised (a `RenewalRefused`)."""
    now = now or clock.now()
    refusal = None
    with transaction.atomic():
        loan = _lock_loan(loan)
        if loan.card_id != card.pk:
            raise NotRenewable()
        if Renewal.objects.filter(loan=loan, status=Renewal.Status.REQUESTED).exists():
            raise RenewalAlreadyRequested()
        renewal = Renewal(loan=loan, requested_at=now, requested_by=loan.card.user, due_before=loan.due_at)
        try:
            rule = _check(loan, now=now, by_staff=False)
        except RenewalRefused as exc:
            refusal = exc
            _refuse(renewal, loan=loan, reason=str(exc), now=now, actor=None, notify=False)
        else:
            if loan.card.library.automatic_renewal:
                _grant(renewal, loan=loan, rule=rule, now=now, actor=None, notify=False)
            else:
                renewal.save()
                events.record_for_card(
                    Event.Kind.RENEWAL_REQUESTED, card=loan.card, actor=loan.card.user, now=now, title=loan.title
                )
    if refusal is not None:
        raise refusal
    return renewal


def decide_renewals(
    *, librarian, renewals: list[Renewal], grant: bool, reason: str = "", now: datetime | None = None
) -> list[Outcome]:
    """Staff grant or refuse requested renewals, each in its own transaction. A grant the rules no longer allow
    (someone queued meanwhile, the reader became a debtor) stays requested and its outcome carries the reason."""
    now = now or clock.now()
    reason = (reason or "").strip()
    if not grant and not reason:
        raise ReasonRequired()
    outcomes = []
    for renewal in renewals:
        try:
            outcomes.append(Outcome(_decide(librarian=librarian, renewal=renewal, grant=grant, reason=reason, now=now)))
        except DomainError as exc:
            outcomes.append(Outcome(renewal, exc))
    return outcomes


@transaction.atomic
def _decide(*, librarian, renewal: Renewal, grant: bool, reason: str, now: datetime) -> Renewal:
    loan = _lock_loan(renewal.loan)
    renewal = Renewal.objects.select_for_update().get(pk=renewal.pk)
    if renewal.status != Renewal.Status.REQUESTED:
        raise RenewalAlreadyDecided()
    if not grant:
        return _refuse(renewal, loan=loan, reason=reason, now=now, actor=librarian, notify=True)
    rule = _check(loan, now=now, by_staff=True)
    return _grant(renewal, loan=loan, rule=rule, now=now, actor=librarian, notify=True)


@transaction.atomic
def renew(*, librarian, loan: Loan, now: datetime | None = None) -> Renewal:
    """Staff renew at the desk (a phone or e-mail request), also past the due date. A renewal the reader
    requested is granted; otherwise one is recorded as granted by the librarian."""
    now = now or clock.now()
    loan = _lock_loan(loan)
    rule = _check(loan, now=now, by_staff=True)
    renewal = Renewal.objects.select_for_update().filter(loan=loan, status=Renewal.Status.REQUESTED).first()
    if renewal is None:
        renewal = Renewal(loan=loan, requested_at=now, requested_by=librarian, due_before=loan.due_at)
    return _grant(renewal, loan=loan, rule=rule, now=now, actor=librarian, notify=True)
