"""Desk circulation of paper items (SPEC P7): check-out to a reader's card and check-in by barcode.

Each function is one transaction that writes nothing when it raises. Lock order: the item row, then the holds
and requests of the item, then the card (as `setaside` and the e-lending services lock holds before cards).
A paper item is lent through its Copy (created on its first check-out); the database keeps one open loan per
copy, so two desks scanning the same item at once give one loan.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from abonement.catalog.models import Item
from abonement.circulation import policies, rows, selectors, setaside
from abonement.circulation.models import Copy, Hold, Loan, Request
from abonement.core import clock, events, inserts
from abonement.core.errors import DomainError
from abonement.core.models import Event
from abonement.core.sqlvalues import first, lock_clause
from abonement.libraries.calendar import calendar_for
from abonement.libraries.models import Library
from abonement.readers.models import Card


class UnknownBarcode(DomainError):
    code = "unknown_barcode"
    status = 404
    message = _("There is no item with the barcode %(barcode)s in this network.")


class ItemOnLoan(DomainError):
    code = "item_on_loan"
    status = 409
    message = _("Item %(barcode)s is on loan to card %(number)s until %(date)s: check it in first.")


class ItemNotForLoan(DomainError):
    code = "item_not_for_loan"
    status = 409
    message = _("Item %(barcode)s cannot be checked out: %(why)s.")


class ItemSetAsideForOther(DomainError):
    code = "item_set_aside_for_other"
    status = 409
    message = _("Item %(barcode)s is set aside for card %(number)s until %(date)s.")


class ItemReservedForOther(DomainError):
    code = "item_reserved_for_other"
    status = 409
    message = _("Item %(barcode)s is reserved by card %(number)s.")


class ItemNotOnLoan(DomainError):
    code = "item_not_on_loan"
    status = 409
    message = _("Item %(barcode)s is not on loan (status: %(status)s): nothing to check in.")


class ReaderBlocked(DomainError):
    """The card is blocked, a debtor or has the most items on hand: staff may override with a reason."""

    code = "reader_blocked"
    status = 409
    message = _("Not checked out: %(reasons)s. Give a reason to override.")


@dataclass(frozen=True)
class CheckInOutcome:
    """What the desk does with an item just checked in: send it to its library, put it on the hold shelf for
    the next reader, or back on the shelf."""

    item: Item
    loan: Loan | None
    hold: Hold | None = None
    send_to: object = None  # the item's library, when it belongs to another one

    @property
    def message(self) -> str:
        if self.send_to is not None:
            return gettext("Send to %(library)s") % {"library": self.send_to.name}
        if self.hold is not None:
            card = self.hold.card
            return gettext("Set aside for %(reader)s (card %(number)s), shelf Hold") % {
                "reader": card.full_name or card.number,
                "number": card.number,
            }
        return gettext("Back on the shelf")


_ITEM_BY_BARCODE = (
    f"SELECT i.* FROM {Item._meta.db_table} i JOIN {Library._meta.db_table} lib ON lib.id = i.library_id"  # noqa: S608
    " WHERE i.barcode = %s AND lib.network_id = %s"
)
_OPEN_LOAN_OF_ITEM = (
    f"SELECT l.* FROM {Loan._meta.db_table} l JOIN {Copy._meta.db_table} c ON c.id = l.copy_id"  # noqa: S608
    " WHERE c.item_id = %s AND l.ended_at IS NULL"
)


def _lock_item(barcode: str, *, network_id: int, known=()) -> Item:
    """The item `barcode` of the network, its row locked, with its title and library (`known`: libraries the
    caller has already)."""
    barcode = (barcode or "").strip()
    item = first(Item, _ITEM_BY_BARCODE + lock_clause(of=("i",)), [barcode, network_id])
    if item is None:
        raise UnknownBarcode(barcode=barcode)
    item.library = rows.library(item.library_id, known)
    item.title = rows.title(item.title_id)
    return item


def _open_loan(item: Item, *, lock: bool = False, known=()) -> Loan | None:
    loan = first(Loan, _OPEN_LOAN_OF_ITEM + (lock_clause(of=("l",)) if lock else ""), [item.pk])
    if loan is not None:
        loan.card = rows.card(loan.card_id, known)
    return loan


def _local_date(library, moment: datetime) -> str:
    return calendar_for(library).local_date(moment).strftime("%d.%m.%Y") if moment else ""


@dataclass(frozen=True)
class OnHand:
    """The card's open paper loans as the desk's rules count them."""

    items: int
    overdue: int
    has_title: bool = False  # one of them is of the title being checked out


def on_hand(card: Card, *, now: datetime, title_id: int | None = None) -> OnHand:
    """Count the card's open paper loans, the overdue ones and whether one is of `title_id` (one query)."""
    paper = Q(copy__item__isnull=False)
    counts = Loan.objects.filter(card=card, ended_at__isnull=True).aggregate(
        items=Count("pk", filter=paper),
        overdue=Count("pk", filter=paper & Q(due_at__lt=now)),
        of_title=Count("pk", filter=Q(title_id=title_id)),  # None matches nothing: title_id is NOT NULL
    )
    return OnHand(items=counts["items"], overdue=counts["overdue"], has_title=bool(counts["of_title"]))


def blocks(card: Card, *, now: datetime, counts: OnHand | None = None) -> list[str]:
    """Why the desk would not lend to `card` now (empty: nothing stops it). The card is locked by the caller;
    `counts` are its loans when the caller has them already."""
    counts = counts or on_hand(card, now=now)
    reasons = []
    if card.status == Card.Status.BLOCKED:
        reasons.append(str(policies.CardBlocked(number=card.number)))
    library = card.library
    try:
        policies.check_not_debtor(
            overdue_items=counts.overdue,
            fines_owed=card.fines_owed,
            threshold=library.debtor_fine_threshold,
            currency=library.currency,
        )
    except policies.DebtorBlocked as error:
        reasons.append(str(error))
    limit = policies.lending_rule(library=library, card=card).max_on_hand
    if counts.items >= limit:
        reasons.append(str(policies.LoanLimitReached(limit=limit)))
    return reasons


@transaction.atomic
def check_out(*, librarian, card: Card, barcode: str, now: datetime | None = None, override_reason: str = "") -> Loan:
    """Lend the item `barcode` to `card` at the desk. A blocked card, a debtor or a full card is refused unless
    the librarian gives `override_reason` (logged as BLOCK_OVERRIDDEN)."""
    now = now or clock.now()
    override_reason = (override_reason or "").strip()[:500]
    item = _lock_item(barcode, network_id=card.library.network_id, known=(card.library,))
    loan = _open_loan(item, known=(card.library,))
    if loan is not None:
        raise ItemOnLoan(
            barcode=item.barcode, number=loan.card.number, date=_local_date(loan.card.library, loan.due_at)
        )
    # The item's set-aside hold (whoever it is for) and the reader's own queue place for the title: one query.
    ready = waiting = None
    for hold in (
        Hold.objects.select_for_update(of=("self",), no_key=True)
        .select_related("card")
        .filter(Q(item=item, status=Hold.Status.READY) | Q(card=card, title=item.title, status=Hold.Status.WAITING))
        .order_by("id")
    ):
        if hold.status == Hold.Status.READY:
            ready = hold
        else:
            waiting = waiting or hold
    if ready is not None and ready.card_id != card.pk:
        raise ItemSetAsideForOther(
            barcode=item.barcode, number=ready.card.number, date=_local_date(item.library, ready.pickup_by)
        )
    reservation = (
        Request.objects.select_for_update(of=("self",), no_key=True)
        .select_related("card")
        .filter(item=item, status__in=[Request.Status.WAITING, Request.Status.APPROVED])
        .first()
    )
    if reservation is not None and reservation.card_id != card.pk:
        raise ItemReservedForOther(barcode=item.barcode, number=reservation.card.number)
    locked = first(Card, f"SELECT * FROM {Card._meta.db_table} WHERE id = %s{lock_clause()}", [card.pk])  # noqa: S608
    locked.library, locked.user = card.library, card.user  # loaded by the caller in this request
    card = locked
    rule = selectors.paper_rule(item=item, card=card)
    if rule.reading_room_only or item.status == Item.Status.READING_ROOM:
        raise ItemNotForLoan(barcode=item.barcode, why=_("reading room only"))
    if item.status == Item.Status.LOST:
        raise ItemNotForLoan(barcode=item.barcode, why=_("it is marked lost"))
    if item.status == Item.Status.IN_TRANSIT:
        raise ItemNotForLoan(
            barcode=item.barcode,
            why=gettext("it is in transit to %(library)s, check it in there")
            % {"library": (item.in_transit_to or item.library).name},
        )
    counts = on_hand(card, now=now, title_id=item.title_id)
    if counts.has_title:
        raise policies.AlreadyOnLoan()
    reasons = blocks(card, now=now, counts=counts)
    if reasons and not override_reason:
        raise ReaderBlocked(reasons="; ".join(reasons))
    copy = Copy.objects.filter(item=item).first() or inserts.insert(
        Copy(library=item.library, title=item.title, item=item, acquired_at=now, cost=0)
    )
    calendar = calendar_for(item.library)
    due_at = calendar.due(now, rule.loan_days)
    try:
        loan = inserts.insert(
            Loan(
                copy=copy,
                card=card,
                library=item.library,
                title=item.title,
                # The e-book limit counts paid licences; paper loans have the desk's own limit.
                is_free=True,
                started_at=now,
                due_at=due_at,
                issued_by=librarian,
            )
        )
    except IntegrityError as exc:  # the item's row lock serialises desks: only a raw write gets here
        raise ItemOnLoan(barcode=item.barcode, number="?", date="?") from exc  # and the transaction rolls back
    item.status, item.due_date, item.in_transit_to = Item.Status.ON_LOAN, calendar.local_date(due_at), None
    item.save(update_fields=["status", "due_date", "in_transit_to"])
    for hold in (ready, waiting):
        if hold is not None:
            hold.status, hold.ended_at, hold.loan = Hold.Status.FULFILLED, now, loan
            hold.save(update_fields=["status", "ended_at", "loan"])
    if reservation is not None:
        reservation.status, reservation.loan = Request.Status.COLLECTED, loan
        reservation.decided_at = reservation.decided_at or now
        reservation.save(update_fields=["status", "loan", "decided_at"])
    if reasons:
        events.record_for_card(
            Event.Kind.BLOCK_OVERRIDDEN,
            card=card,
            actor=librarian,
            now=now,
            title=item.title,
            reason=override_reason,
            item=item.barcode,
            blocks=reasons,
        )
    events.record_for_card(
        Event.Kind.CHECKED_OUT,
        card=card,
        actor=librarian,
        now=now,
        title=item.title,
        item=item.barcode,
        due_at=due_at.isoformat(),
    )
    loan.item, loan.due_day = item, item.due_date
    return loan


@transaction.atomic
def check_in(*, librarian, barcode: str, at_library, now: datetime | None = None) -> CheckInOutcome:
    """The item `barcode` comes back at `at_library`'s desk: its loan ends, then it is sent to its own library,
    set aside for the next reader in line there (pickup deadline and notice start), or put back on the shelf.
    An item in transit arriving at its own library goes through the same step."""
    now = now or clock.now()
    item = _lock_item(barcode, network_id=at_library.network_id, known=(at_library,))
    loan = _open_loan(item, lock=True, known=(at_library,))
    if loan is None:
        arrived = item.status == Item.Status.IN_TRANSIT and item.library_id == at_library.pk
        if not arrived:
            raise ItemNotOnLoan(barcode=item.barcode, status=Item.Status(item.status).label)
    else:
        loan.ended_at, loan.end_reason = now, Loan.EndReason.RETURNED
        loan.save(update_fields=["ended_at", "end_reason"])
        events.record_for_card(
            Event.Kind.CHECKED_IN,
            card=loan.card,
            actor=librarian,
            now=now,
            title=item.title,
            item=item.barcode,
            at_library=at_library.pk,
        )
    if item.library_id != at_library.pk:
        item.status, item.due_date, item.in_transit_to = Item.Status.IN_TRANSIT, None, item.library
        item.save(update_fields=["status", "due_date", "in_transit_to"])
        return CheckInOutcome(item=item, loan=loan, send_to=item.library)
    hold = setaside.pass_on(item=item, now=now, actor=librarian)
    return CheckInOutcome(item=item, loan=loan, hold=hold)
