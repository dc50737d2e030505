"""Reservations of paper items and queues for lent ones (SPEC P2, P3): the reader's actions on the book page and
in My books, and the librarians' "Reservations to review". Thin: every change is in circulation.reservations;
a DomainError becomes a 4xx page with its message (core.middleware).

Request ids travel in POST bodies; staff look them up among their own libraries' reservations only, so a foreign
id changes nothing.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from abonement.catalog.models import Item, Title
from abonement.circulation import reservations, selectors, shelf
from abonement.circulation.models import Hold, Request
from abonement.core import clock, tenancy
from abonement.core.errors import DomainError
from abonement.core.ids import parse_ids
from abonement.libraries.models import Library
from abonement.readers.models import Card

MAX_SELECTED = 1000
LAPSED_DAYS = 7


class NoCardHere(DomainError):
    code = "no_card_here"
    status = 409
    message = _("You need a reader card of a library of this network to reserve here.")


def card_for(user, library: Library) -> Card | None:
    """The reader's card to act with at `library`: of that library, else of its central library, else any active
    card of the network."""
    cards = [c for c in shelf.reader_cards(user) if c.library.network_id == library.network_id]
    for wanted in (library.pk, library.parent_id):
        for card in cards:
            if card.library_id == wanted and card.status == Card.Status.ACTIVE:
                return card
    return next((c for c in cards if c.status == Card.Status.ACTIVE), cards[0] if cards else None)


def paper_actions(request, title: Title) -> dict:
    """Context of circulation/_paper_actions.html on a paper book page."""
    user = request.user
    mine = None
    if user.is_authenticated:
        cards = shelf.reader_cards(user)
        mine = (
            Request.objects.filter(
                card__in=cards, title=title, kind=Request.Kind.RESERVATION, status__in=reservations.OPEN
            )
            .select_related("library", "hold")
            .first()
        )
        hold = None
        if mine is None:
            hold = (
                Hold.objects.filter(card__in=cards, title=title, status__in=[Hold.Status.WAITING, Hold.Status.READY])
                .select_related("library")
                .first()
            )
            if hold is not None and hold.status == Hold.Status.WAITING:
                hold.place = selectors.paper_queue_place(hold, now=clock.now())
        card = next((c for c in cards if c.status == Card.Status.ACTIVE), None)
    else:
        hold = card = None
    return {
        "paper_libraries": selectors.paper_libraries(title, card=card),
        "my_reservation": mine,
        "my_paper_hold": hold,
    }


def _my_books():
    return redirect("circulation:my_books")


def _to_title(title_id: int):
    return redirect(reverse("catalog:title", kwargs={"title_id": title_id}))


@login_required
@require_POST
def reserve(request, item_id: int):
    item = get_object_or_404(Item.objects.select_related("library", "title"), pk=item_id)
    card = card_for(request.user, item.library)
    if card is None:
        raise NoCardHere()
    reservations.reserve(card=card, item=item)
    messages.success(
        request,
        _("Reserved at %(library)s. The librarian will set the book aside for you; you will be told when and where.")
        % {"library": item.library.name},
    )
    return _to_title(item.title_id)


@login_required
@require_POST
def join_paper_queue(request, title_id: int, library_id: int):
    title = get_object_or_404(Title, pk=title_id)
    library = get_object_or_404(Library, pk=library_id)
    card = card_for(request.user, library)
    if card is None:
        raise NoCardHere()
    hold = reservations.join_paper_queue(card=card, title=title, library=library)
    place = selectors.paper_queue_place(hold, now=clock.now())
    messages.success(request, _("You are number %(position)d in the queue.") % {"position": place.position})
    return _to_title(title.pk)


@login_required
@require_POST
def cancel_reservation(request, request_id: int):
    reservation = get_object_or_404(Request, pk=request_id, card__user=request.user, kind=Request.Kind.RESERVATION)
    reservations.cancel_reservation(card=reservation.card, request=reservation)
    messages.success(request, _("Reservation cancelled."))
    return _my_books()


@login_required
@require_POST
def give_back(request, hold_id: int):
    """ "I no longer need it": the reader gives back a book set aside for them."""
    hold = get_object_or_404(Hold, pk=hold_id, card__user=request.user)
    reservations.give_back(card=hold.card, hold=hold, actor=request.user)
    messages.success(request, _("Thank you: the book goes to the next reader or back to the shelf."))
    return _my_books()


def my_reservations(user, *, now) -> dict:
    """Context of circulation/_my_reservations.html in My books: reservations and places in paper queues."""
    cards = shelf.reader_cards(user)
    listed = list(
        Request.objects.filter(card__in=cards, kind=Request.Kind.RESERVATION)
        .exclude(status=Request.Status.COLLECTED)
        .filter(
            status__in=[*reservations.OPEN, Request.Status.REJECTED, Request.Status.LAPSED],
            created_at__gte=now - timedelta(days=60),
        )
        .select_related("title", "library", "hold")
        .order_by("-created_at")[:50]
    )
    holds = list(
        Hold.objects.filter(card__in=cards, status=Hold.Status.WAITING, title__format="paper").select_related(
            "title", "library"
        )
    )
    for hold in holds:
        hold.place = selectors.paper_queue_place(hold, now=now)
    # Set aside for a reader whose turn in the queue came (a reservation's hold is shown with the reservation).
    ready = list(
        Hold.objects.filter(card__in=cards, status=Hold.Status.READY, reservation__isnull=True).select_related(
            "title", "library"
        )
    )
    return {"reservations": listed, "paper_holds": holds, "ready_holds": ready}


# ---- staff -----------------------------------------------------------------------------------------


def _staff_reservations(request):
    return tenancy.for_staff(request, Request.objects.filter(kind=Request.Kind.RESERVATION))


def _render(request, *, status: int = 200, error: str = "", selected=(), reason: str = ""):
    now = clock.now()
    holds = tenancy.for_staff(request, Hold.objects.filter(item__isnull=False)).select_related(
        "card", "title", "item", "library"
    )
    return render(
        request,
        "circulation/reservations.html",
        {
            "waiting": list(
                _staff_reservations(request)
                .filter(status=Request.Status.WAITING)
                .select_related("card", "title", "item", "library")
                .order_by("-created_at", "-id")[:MAX_SELECTED]
            ),
            "ready": list(holds.filter(status=Hold.Status.READY).order_by("pickup_by", "id")),
            "lapsed": list(
                holds.filter(status=Hold.Status.LAPSED, ended_at__gte=now - timedelta(days=LAPSED_DAYS)).order_by(
                    "-ended_at", "-id"
                )
            ),
            "lapsed_days": LAPSED_DAYS,
            "now": timezone.localtime(now),
            "error": error,
            "selected": set(selected),
            "reason": reason,
        },
        status=status,
    )


@tenancy.librarian_required
@require_POST
def staff_give_back(request, hold_id: int):
    """Staff give back, for the reader (by phone, at the desk), a book set aside for them; back to the desk or to
    the reservations list."""
    hold = get_object_or_404(tenancy.for_staff(request, Hold.objects.select_related("card")), pk=hold_id)
    reservations.give_back(card=hold.card, hold=hold, actor=request.user)
    messages.success(
        request,
        _("Set-aside book given back for card %(number)s: it goes to the next reader or back to the shelf.")
        % {"number": hold.card.number},
    )
    return redirect("staff:desk" if request.POST.get("back") == "desk" else "staff:reservations")


@tenancy.librarian_required
def reservations_list(request):
    return _render(request)


@tenancy.librarian_required
@require_POST
def reservations_decide(request):
    ids = parse_ids([v for v in request.POST.getlist("request") if v.strip()], limit=MAX_SELECTED)
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")

    def refuse(message, status: int = 400):
        return _render(request, status=status, error=str(message), selected=ids or (), reason=reason)

    if ids is None or action not in {"approve", "refuse"}:
        return refuse(_("The form was not understood. Tick reservations and press Approve or Refuse."))
    chosen = list(_staff_reservations(request).filter(pk__in=ids).select_related("item").order_by("created_at", "id"))
    if not chosen:
        return refuse(_("Tick at least one reservation."))
    if action == "refuse":
        try:
            refused = reservations.refuse_reservations(librarian=request.user, requests=chosen, reason=reason)
        except DomainError as error:
            return refuse(error, status=error.status)
        messages.success(
            request,
            ngettext(
                "Refused %(count)d reservation; the reader is told the reason.",
                "Refused %(count)d reservations; the readers are told the reason.",
                len(refused),
            )
            % {"count": len(refused)},
        )
    else:
        outcomes = reservations.approve_reservations(librarian=request.user, requests=chosen)
        approved = sum(1 for outcome in outcomes if outcome.error is None)
        (messages.success if approved else messages.warning)(
            request,
            ngettext(
                "Approved %(count)d reservation: put the book on the hold shelf.",
                "Approved %(count)d reservations: put the books on the hold shelf.",
                approved,
            )
            % {"count": approved},
        )
        for outcome in outcomes:
            if outcome.error is not None:
                messages.error(
                    request,
                    _("Not approved: %(title)s for card %(number)s — %(reason)s")
                    % {
                        "title": outcome.request.title.title,
                        "number": outcome.request.card.number,
                        "reason": outcome.error,
                    },
                )
    return redirect("staff:reservations")
