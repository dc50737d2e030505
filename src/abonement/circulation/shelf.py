"""Reads for the reader: "My books" and the one action a book page offers this reader now (SPEC C5, L1–L3)."""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet

from abonement.circulation import availability, policies, services
from abonement.circulation.models import Deferral, Hold, Loan, Request
from abonement.readers.models import Card


def reader_cards(user) -> QuerySet[Card]:
    return Card.objects.filter(user=user).select_related("library").order_by("library__name", "number")


def estimated_date(hold: Hold, position: int) -> date | None:
    """When the reader's turn should come: the position-th due date among the copies on loan; beyond the
    number of copies, one more loan period per round. Slips when borrowers are late or return early."""
    dues = list(
        Loan.objects.filter(library=hold.library_id, title=hold.title_id, ended_at__isnull=True)
        .order_by("due_at")
        .values_list("due_at", flat=True)
    )
    if not dues:
        return None
    rounds = math.ceil(position / len(dues)) - 1
    due = dues[(position - 1) % len(dues)]
    return (due + timedelta(days=hold.library.loan_days * rounds)).date()


@dataclass
class Shelf:
    loans: list
    archive: list
    requests: list
    holds: list
    deferrals: list


def my_books(user, *, archive_limit: int = 100) -> Shelf:
    cards = reader_cards(user)
    loans = Loan.objects.filter(card__in=cards).select_related("title", "library").order_by("due_at")
    # Paper reservations and queue places are listed by circulation/_my_reservations.html (views_reservations).
    holds = list(
        Hold.objects.filter(card__in=cards, status=Hold.Status.WAITING)
        .exclude(title__format="paper")
        .select_related("title", "library")
    )
    for hold in holds:
        hold.position = services.queue_position(hold)
        hold.expected = estimated_date(hold, hold.position)
    return Shelf(
        # paper loans have their own list (circulation/_my_paper_loans.html): renewals, overdue, fines
        loans=list(loans.filter(ended_at__isnull=True, copy__item__isnull=True)),
        archive=list(loans.filter(ended_at__isnull=False).order_by("-ended_at")[:archive_limit]),
        requests=list(
            Request.objects.filter(card__in=cards)
            .exclude(status=Request.Status.APPROVED)
            .exclude(kind=Request.Kind.RESERVATION)
            .select_related("title", "library")
            .order_by("-created_at")[:archive_limit]
        ),
        holds=holds,
        deferrals=list(Deferral.objects.filter(user=user).select_related("title")),
    )


@dataclass
class Action:
    """The one thing the book page offers: take, request, queue, read, waiting states, or sign in."""

    kind: str  # read|requested|queued|take|request|queue|sign_in|no_card|blocked|not_allowed|paper
    card: Card | None = None
    loan: Loan | None = None
    request: Request | None = None
    hold: Hold | None = None
    position: int | None = None
    expected: date | None = None
    reason: str = ""
    deferred: bool = False


def action_for(user, title, *, now: datetime) -> Action:
    if title.format == "paper":
        return Action("paper")  # paper items are reserved at a library (the paper lending issue)
    if not user.is_authenticated:
        return Action("sign_in")
    deferred = Deferral.objects.filter(user=user, title=title).exists()
    cards = list(reader_cards(user))
    if not cards:
        return Action("no_card", deferred=deferred)
    loan = (
        Loan.objects.filter(card__in=cards, title=title, ended_at__isnull=True)
        .select_related("card", "library")
        .first()
    )
    if loan:
        return Action("read", card=loan.card, loan=loan, deferred=deferred)
    request = Request.objects.filter(card__in=cards, title=title, status=Request.Status.WAITING).first()
    if request:
        return Action("requested", request=request, card=request.card, deferred=deferred)
    hold = (
        Hold.objects.filter(card__in=cards, title=title, status=Hold.Status.WAITING).select_related("library").first()
    )
    if hold:
        position = services.queue_position(hold)
        return Action(
            "queued",
            hold=hold,
            card=hold.card,
            position=position,
            expected=estimated_date(hold, position),
            deferred=deferred,
        )
    card = next((c for c in cards if c.status == Card.Status.ACTIVE), None)
    if card is None:
        return Action("blocked", card=cards[0], deferred=deferred)
    library = card.library
    rule = policies.lending_rule(library=library, card=card)
    try:
        policies.check_can_borrow(
            card=card,
            title=title,
            rule=rule,
            paid_on_hand=services.paid_on_hand(card),
            has_title=False,
            today=rule.local_date(now),
        )
    except policies.AgeRatingNotMet as error:
        return Action("not_allowed", card=card, reason=str(error), deferred=deferred)
    except policies.LoanLimitReached as error:
        return Action("request", card=card, reason=str(error), deferred=deferred)
    if not rule.self_service and not title.is_free:
        return Action("request", card=card, deferred=deferred)
    if availability.available_now(library=library, title=title):  # search's "Available now" is the same rule
        return Action("take", card=card, deferred=deferred)
    try:
        services.check_can_queue(library=library, title=title)
    except policies.NoCopyToQueueFor as error:
        return Action("request", card=card, reason=str(error), deferred=deferred)
    return Action("queue", card=card, deferred=deferred)
