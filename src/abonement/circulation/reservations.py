"""Reservations of paper items on the shelf (SPEC P2) and queues for lent paper titles (SPEC P3).

A reservation is a Request of kind RESERVATION naming the item; approving it sets the item aside through a READY
Hold carrying the pickup deadline (`setaside.set_aside`); the lapse job ends the holds nobody collected and passes
the item on. Lock order, always: the item → holds → requests → the card. Each public function is one transaction
(the batch ones one per request or per batch) and writes nothing when it raises.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from abonement.catalog.models import Item, Title
from abonement.circulation import policies, selectors, setaside
from abonement.circulation.models import Hold, Request
from abonement.circulation.services import (
    AlreadyDecided,
    AlreadyQueued,
    Outcome,
    ReasonRequired,
    _lock_card,
    _notify,
    mark_rejected,
    open_loans,
)
from abonement.core import clock, events
from abonement.core.errors import DomainError
from abonement.core.models import Event
from abonement.libraries.models import Library
from abonement.notifications import services as notices
from abonement.readers.models import Card

OPEN = [Request.Status.WAITING, Request.Status.APPROVED]
# Items a reader may wait for: everything but the reading room's and the lost ones.
LENDABLE_OUT = [Item.Status.ON_LOAN, Item.Status.RESERVED, Item.Status.SET_ASIDE, Item.Status.IN_TRANSIT]


class ItemNotOnShelf(DomainError):
    code = "item_not_on_shelf"
    status = 409
    message = _("This copy is not on the shelf now (%(status)s), so it cannot be reserved.")


class ItemOnLoan(DomainError):
    code = "item_on_loan"
    status = 409
    message = _("This copy is on loan. Join the queue for the book at %(library)s instead.")


class NotReservableOnline(DomainError):
    code = "not_reservable_online"
    status = 409
    message = _("This copy cannot be reserved online: ask your library.")


class ReadingRoomOnly(DomainError):
    code = "reading_room_only"
    status = 409
    message = _("This copy is for the reading room only: it is never lent home and cannot be reserved.")


class ReservationLimitReached(DomainError):
    code = "reservation_limit_reached"
    status = 409
    message = _(
        "You already have %(limit)d open reservations, the most the library allows. Collect or cancel one first."
    )


class AlreadyReserved(DomainError):
    code = "already_reserved"
    status = 409
    message = _("You have already reserved this book or are in its queue.")


class ReservationTaken(DomainError):
    code = "reservation_taken"
    status = 409
    message = _("Another reader has just reserved this copy. Choose another copy or join the queue.")


class CopyOnShelf(DomainError):
    code = "copy_on_shelf"
    status = 409
    message = _("A copy is on the shelf at %(library)s: reserve it instead of joining the queue.")


class NoCopyToWaitFor(DomainError):
    code = "no_copy_to_wait_for"
    status = 409
    message = _("%(library)s has no copy of this book that is lent home: ask your library.")


class OtherNetwork(DomainError):
    code = "other_network"
    status = 409
    message = _("Your reader card is of a library of another network: it cannot reserve at %(library)s.")


class NotSetAside(DomainError):
    code = "not_set_aside"
    status = 409
    message = _("This book is no longer set aside for the reader (%(status)s): there is nothing to give back.")


def _lock_item(item: Item) -> Item:
    return Item.objects.select_for_update(of=("self",)).select_related("library", "title").get(pk=item.pk)


def _check_reader(card: Card, *, library: Library, title: Title, now: datetime) -> None:
    """The checks on the reader shared by a reservation and a place in the queue; the card is locked."""
    if card.status != Card.Status.ACTIVE:
        raise policies.CardBlocked(number=card.number)
    if card.library.network_id != library.network_id:
        raise OtherNetwork(library=library.name)
    selectors.check_not_debtor(card, now=now)
    if open_loans(card).filter(title=title).exists():
        raise policies.AlreadyOnLoan()
    if (
        Request.objects.filter(card=card, title=title, status__in=OPEN).exists()
        or Hold.objects.filter(card=card, title=title, status__in=[Hold.Status.WAITING, Hold.Status.READY]).exists()
    ):
        raise AlreadyReserved()


@transaction.atomic
def reserve(*, card: Card, item: Item, now: datetime | None = None) -> Request:
    """The reader reserves `item`, which is on the shelf, to collect at its library (SPEC P2)."""
    now = now or clock.now()
    item = _lock_item(item)
    library = item.library
    if item.status == Item.Status.ON_LOAN:
        raise ItemOnLoan(library=library.name)
    if item.status == Item.Status.READING_ROOM:
        raise ReadingRoomOnly()
    if item.status != Item.Status.ON_SHELF:
        raise ItemNotOnShelf(status=item.get_status_display().lower())
    card = _lock_card(card)
    rule = selectors.paper_rule(item=item, card=card)
    if rule.reading_room_only:
        raise ReadingRoomOnly()
    if not rule.reservable_online or not item.reservable_online:
        raise NotReservableOnline()
    _check_reader(card, library=library, title=item.title, now=now)
    limit = card.library.max_reservations
    if Request.objects.filter(card=card, kind=Request.Kind.RESERVATION, status__in=OPEN).count() >= limit:
        raise ReservationLimitReached(limit=limit)
    try:
        with transaction.atomic():
            request = Request.objects.create(
                kind=Request.Kind.RESERVATION,
                card=card,
                library=library,
                title=item.title,
                item=item,
                created_at=now,
            )
    except IntegrityError as exc:
        if "one_open_reservation_per_item" in str(exc) or "circulation_request.item_id" in str(exc):
            raise ReservationTaken() from exc
        raise AlreadyReserved() from exc
    item.status = Item.Status.RESERVED
    item.save(update_fields=["status"])
    events.record_for_card(
        Event.Kind.RESERVED, card=card, title=item.title, actor=card.user, now=now, item=item.barcode
    )
    return request


def approve_reservations(*, librarian, requests: list[Request], now: datetime | None = None) -> list[Outcome]:
    """Approve each waiting reservation in its own transaction: the item is set aside for the reader until the
    pickup deadline and they are told the library's address and the deadline (the `item_set_aside` notice)."""
    now = now or clock.now()
    outcomes = []
    for request in requests:
        try:
            with transaction.atomic():
                outcomes.append(Outcome(_approve(librarian=librarian, request=request, now=now)))
        except IntegrityError:
            outcomes.append(Outcome(request, AlreadyQueued()))
        except DomainError as error:
            outcomes.append(Outcome(request, error))
    return outcomes


def _approve(*, librarian, request: Request, now: datetime) -> Request:
    item = _lock_item(request.item)
    request = (
        Request.objects.select_for_update(of=("self",))
        .select_related("card__library", "card__user", "title")
        .get(pk=request.pk, kind=Request.Kind.RESERVATION)
    )
    if request.status != Request.Status.WAITING:
        raise AlreadyDecided(status=request.get_status_display().lower())
    hold = Hold.objects.create(card=request.card, library=item.library, title=item.title, created_at=now)
    setaside.set_aside(item=item, hold=hold, now=now, actor=librarian)
    request.status, request.decided_at, request.decided_by, request.hold = (
        Request.Status.APPROVED,
        now,
        librarian,
        hold,
    )
    request.save(update_fields=["status", "decided_at", "decided_by", "hold"])
    events.record_for_card(
        Event.Kind.RESERVATION_APPROVED,
        card=request.card,
        title=item.title,
        actor=librarian,
        now=now,
        item=item.barcode,
        pickup_by=hold.pickup_by.isoformat(),
    )
    return request


@transaction.atomic
def refuse_reservations(
    *, librarian, requests: list[Request], reason: str, now: datetime | None = None
) -> list[Request]:
    """Refuse the waiting reservations with one reason, sent to each reader; each item goes to the next reader in
    line or back to the shelf. All or nothing."""
    now = now or clock.now()
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    ids = [r.pk for r in requests]
    items = {
        item.pk: item
        for item in Item.objects.select_for_update(of=("self",))
        .select_related("library", "title")
        .filter(reservations__pk__in=ids)
        .order_by("pk")
    }
    refused = []
    for request in (
        Request.objects.select_for_update(of=("self",))
        .select_related("card__library", "card__user", "title")
        .filter(pk__in=ids, kind=Request.Kind.RESERVATION)
        .order_by("pk")
    ):
        mark_rejected(request, librarian=librarian, reason=reason, now=now)
        item = items[request.item_id]
        events.record_for_card(
            Event.Kind.RESERVATION_REFUSED,
            card=request.card,
            title=request.title,
            actor=librarian,
            now=now,
            reason=reason,
            item=item.barcode,
        )
        _notify(request.card, "reservation_refused", now=now, title=request.title, item=item, reason=reason)
        if item.status == Item.Status.RESERVED:
            setaside.pass_on(item=item, now=now, actor=librarian)
        refused.append(request)
    return refused


@transaction.atomic
def cancel_reservation(*, card: Card, request: Request, now: datetime | None = None) -> Request:
    """The reader cancels a reservation waiting for review or set aside for them; the item is passed on."""
    now = now or clock.now()
    item = _lock_item(request.item)
    request = Request.objects.select_for_update(of=("self",)).get(
        pk=request.pk, card=card, kind=Request.Kind.RESERVATION
    )
    if request.status == Request.Status.APPROVED:
        hold = Hold.objects.select_for_update(of=("self",)).get(pk=request.hold_id)
        _give_back(hold, item, actor=card.user, now=now)
        request.refresh_from_db(fields=["status"])
        return request
    if request.status != Request.Status.WAITING:
        raise AlreadyDecided(status=request.get_status_display().lower())
    request.status, request.decided_at = Request.Status.CANCELLED, now
    request.save(update_fields=["status", "decided_at"])
    events.record_for_card(
        Event.Kind.RESERVATION_CANCELLED, card=card, title=item.title, actor=card.user, now=now, item=item.barcode
    )
    if item.status == Item.Status.RESERVED:
        setaside.pass_on(item=item, now=now, actor=card.user)
    return request


@transaction.atomic
def give_back(*, card: Card, hold: Hold, actor, now: datetime | None = None) -> Hold:
    """The reader no longer needs the item set aside for them, from a queue or a reservation (they say so on
    their page, or staff do for them): the hold ends, a reservation behind it is cancelled, and the item goes to
    the next reader in line or back to the shelf.

    Racing the lapse job or the desk on the same hold, one of them wins: each locks the item first and acts only
    while the hold is still READY; the loser is told the hold's status now."""
    now = now or clock.now()
    hold = Hold.objects.select_related("item").get(pk=hold.pk, card=card)
    if hold.item is None:
        raise NotSetAside(status=hold.get_status_display().lower())
    item = _lock_item(hold.item)
    hold = Hold.objects.select_for_update(of=("self",)).select_related("card__user", "title").get(pk=hold.pk)
    _give_back(hold, item, actor=actor, now=now)
    return hold


def _give_back(hold: Hold, item: Item, *, actor, now: datetime) -> None:
    """End a READY hold the reader gave back; the item and the hold are locked."""
    if hold.status != Hold.Status.READY or hold.item_id != item.pk:
        raise NotSetAside(status=hold.get_status_display().lower())
    hold.status, hold.ended_at = Hold.Status.CANCELLED, now
    hold.save(update_fields=["status", "ended_at"])
    reserved = Request.objects.filter(hold=hold, status=Request.Status.APPROVED).update(status=Request.Status.CANCELLED)
    kind = Event.Kind.RESERVATION_CANCELLED if reserved else Event.Kind.QUEUE_LEFT
    events.record_for_card(
        kind, card=hold.card, title=item.title, actor=actor, now=now, item=item.barcode, given_back=True
    )
    setaside.pass_on(item=item, now=now, actor=actor)


def lapse_uncollected(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """End every set-aside hold not collected by its deadline (actor System), tell the reader, and pass each item
    to the next reader in line or back to the shelf. Returns how many lapsed.

    Safe to run twice or in two workers at once, and racing a check-in of the same item: the items are locked
    first with SKIP LOCKED (an item another transaction is handling is left for the next run), and a hold is
    taken only while it is still READY once its item is locked."""
    now = now or clock.now()
    due = list(
        Hold.objects.filter(status=Hold.Status.READY, pickup_by__lt=now)
        .order_by("pickup_by", "id")
        .values_list("item_id", flat=True)
    )
    lapsed = 0
    for start in range(0, len(due), batch_size):
        with transaction.atomic(), notices.batch():
            items = list(
                Item.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("library", "title")
                .filter(pk__in=due[start : start + batch_size])
                .order_by("pk")
            )
            holds = {
                hold.item_id: hold
                for hold in Hold.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("card__library", "card__user", "title")
                .filter(item__in=items, status=Hold.Status.READY, pickup_by__lt=now)
            }
            for item in items:
                hold = holds.get(item.pk)
                if hold is not None:
                    _lapse(hold, item, now=now)
                    lapsed += 1
    return lapsed


def _lapse(hold: Hold, item: Item, *, now: datetime) -> None:
    hold.status, hold.ended_at = Hold.Status.LAPSED, now
    hold.save(update_fields=["status", "ended_at"])
    reserved = Request.objects.filter(hold=hold, status=Request.Status.APPROVED).update(status=Request.Status.LAPSED)
    details = {"item": item.barcode, "pickup_by": hold.pickup_by.isoformat()}
    events.record_for_card(Event.Kind.HOLD_LAPSED, card=hold.card, title=item.title, actor=None, now=now, **details)
    if reserved:
        events.record_for_card(
            Event.Kind.RESERVATION_LAPSED, card=hold.card, title=item.title, actor=None, now=now, **details
        )
    _notify(hold.card, "hold_lapsed", now=now, title=item.title, item=item, pickup_by=hold.pickup_by)
    setaside.pass_on(item=item, now=now)


# ---- the queue for a lent paper title (SPEC P3) ------------------------------------------------------------


@transaction.atomic
def join_paper_queue(*, card: Card, title: Title, library: Library, now: datetime | None = None) -> Hold:
    """A place in the title's queue at `library`, when every copy there that is lent home is out."""
    now = now or clock.now()
    items = list(Item.objects.select_for_update(of=("self",)).filter(title=title, library=library).order_by("pk"))
    if any(item.status == Item.Status.ON_SHELF for item in items):
        raise CopyOnShelf(library=library.name)
    if not any(item.status in LENDABLE_OUT for item in items):
        raise NoCopyToWaitFor(library=library.name)
    card = _lock_card(card)
    _check_reader(card, library=library, title=title, now=now)
    try:
        with transaction.atomic():
            hold = Hold.objects.create(card=card, library=library, title=title, created_at=now)
    except IntegrityError as exc:
        raise AlreadyQueued() from exc
    events.record_for_card(Event.Kind.QUEUED, card=card, title=title, actor=card.user, now=now, at_library=library.pk)
    return hold
