"""OPDS borrow: the web's self-service choice (circulation.shelf.action_for) carried out by the same lending
services, answered as an OPDS availability. Nothing here changes state itself."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from abonement.circulation import services, shelf
from abonement.circulation.models import Loan
from abonement.core import clock
from abonement.core.errors import DomainError
from abonement.opds.feeds import Availability
from abonement.readers.models import Card


class NoCardHere(DomainError):
    code = "no_card_in_library"
    status = 403
    message = _("You have no card in this library. Ask the library for one.")


@dataclass(frozen=True)
class Outcome:
    availability: Availability
    loan: Loan | None = None
    created: bool = False  # a loan, request or queue place was made by this borrow


def _card(user, library) -> Card:
    cards = Card.objects.filter(user=user, library=library).order_by("-status", "number")
    card = next((card for card in cards if card.status == Card.Status.ACTIVE), None) or cards.first()
    if card is None:
        raise NoCardHere()
    return card


def borrow(*, user, library, title) -> Outcome:
    """Take it when the web would offer "take", queue or request when it would; every refusal (over the limit,
    age rating, blocked card, no copy to be had) is the DomainError the service raises."""
    now = clock.now()
    card = _card(user, library)
    action = shelf.action_for(user, title, now=now)
    if action.kind == "read":
        return Outcome(Availability("available", since=action.loan.started_at, until=action.loan.due_at), action.loan)
    if action.kind == "queued":
        return Outcome(Availability("reserved", since=action.hold.created_at, position=action.position))
    if action.kind == "requested":
        return Outcome(Availability("reserved", since=action.request.created_at))
    if action.kind == "queue":
        hold = services.join_queue(card=card, title=title, now=now)
        if hold.loan_id:
            loan = Loan.objects.get(pk=hold.loan_id)
            return Outcome(Availability("available", since=loan.started_at, until=loan.due_at), loan, created=True)
        position = services.queue_position(hold)
        return Outcome(Availability("reserved", since=hold.created_at, position=position), created=True)
    if action.kind == "request" and not action.reason:
        request = services.request_title(card=card, title=title, now=now)
        return Outcome(Availability("reserved", since=request.created_at), created=True)
    # "take", and the refusals the web shows as a reason (limit reached, age, blocked): take says why.
    loan = services.take(card=card, title=title, now=now)
    return Outcome(Availability("available", since=loan.started_at, until=loan.due_at), loan, created=True)
