"""The circulation desk (SPEC P7): one focused input for a card number or an item barcode, keyboard only (a USB
scanner types the digits and Enter). A card opens the reader panel; an item barcode is then checked out to the
open reader, or checked in when no reader is open. Thin: the rules are in `circulation.desk`."""

from datetime import datetime

from django.contrib import messages
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from abonement.catalog.models import Item
from abonement.circulation import desk, policies
from abonement.circulation.models import Hold, Loan, Request
from abonement.core import clock, tenancy
from abonement.core.errors import DomainError
from abonement.libraries.calendar import calendar_for
from abonement.readers.models import Card

CARD_KEY = "desk_card"
SLIP_KEY = "desk_slip"


class UnknownCode(DomainError):
    code = "unknown_code"
    status = 404
    message = gettext_lazy("There is no reader card or item %(code)s.")


class EmptyCode(DomainError):
    code = "empty_code"
    status = 400
    message = gettext_lazy("Scan or type a card number or an item barcode.")


class AmbiguousCode(DomainError):
    """A card and an item with one code (data from before the rule that they never share one): ask, never
    guess."""

    code = "ambiguous_code"
    status = 409
    message = gettext_lazy("%(code)s is both a reader card number and an item barcode: choose which you mean.")


def _staff_card(request, **lookup) -> Card | None:
    return tenancy.for_staff(request, Card.objects.select_related("library", "user")).filter(**lookup).first()


def _open_card(request) -> Card | None:
    card_id = request.session.get(CARD_KEY)
    return _staff_card(request, pk=card_id) if card_id else None


def reader_panel(card: Card, *, now: datetime) -> dict:
    """Everything the desk shows about a reader, in a fixed number of queries whatever the number of loans."""
    library = card.library
    calendar = calendar_for(library)
    today = calendar.local_date(now)
    loans = list(
        Loan.objects.filter(card=card, ended_at__isnull=True)
        .select_related("title", "copy__item", "library")
        .order_by("due_at", "id")
    )
    for loan in loans:
        loan.due_day = calendar.local_date(loan.due_at)
        loan.days_overdue = (today - loan.due_day).days if loan.due_at < now else 0
    ahead = (
        Hold.objects.filter(library=OuterRef("library"), title=OuterRef("title"), status=Hold.Status.WAITING)
        .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__lte=OuterRef("id")))
        .order_by()
        .values("title")
        .annotate(count=Count("pk"))
        .values("count")
    )
    holds = list(
        Hold.objects.filter(card=card, status__in=[Hold.Status.WAITING, Hold.Status.READY])
        .select_related("title", "library", "item")
        .annotate(position=Subquery(ahead))
        .order_by("created_at", "id")
    )
    reservations = list(
        Request.objects.filter(
            card=card, kind=Request.Kind.RESERVATION, status__in=[Request.Status.WAITING, Request.Status.APPROVED]
        )
        .select_related("title", "item__library")
        .order_by("created_at", "id")
    )
    return {
        "card": card,
        "loans": loans,
        "overdue": sum(1 for loan in loans if loan.days_overdue),
        "holds": holds,
        "reservations": reservations,
        "fines_owed": policies.format_money(card.fines_owed, library.currency) if card.fines_owed else "",
        "blocks": desk.blocks(card, now=now),
    }


def _render(
    request,
    *,
    status: int = 200,
    error: DomainError | None = None,
    code: str = "",
    override: bool = False,
    ambiguous: bool = False,
):
    card = _open_card(request)
    context = {
        "error": error,
        "code": code,
        "override": override,
        "ambiguous": ambiguous,
        "slip_count": len(request.session.get(SLIP_KEY, [])),
        "at_library": tenancy.current_library(request),
    }
    if card is not None:
        context.update(reader_panel(card, now=clock.now()))
    return render(request, "circulation/desk.html", context, status=status)


@tenancy.librarian_required
def desk_page(request):
    return _render(request)


@tenancy.librarian_required
@require_POST
def scan(request):
    code = request.POST.get("code", "").strip()
    override_reason = request.POST.get("override_reason", "").strip()
    try:
        if not code:
            raise EmptyCode()
        meant = request.POST.get("as")  # "card" or "item": the librarian's answer to AmbiguousCode
        found = _staff_card(request, number=code) if meant != "item" else None
        if found is not None and meant != "card":
            if Item.objects.filter(barcode=code, library__network_id=found.library.network_id).exists():
                raise AmbiguousCode(code=code)
        if found is not None:
            request.session[CARD_KEY] = found.pk
            request.session[SLIP_KEY] = []
            return redirect("staff:desk")
        card = _open_card(request)
        if card is not None:
            loan = desk.check_out(librarian=request.user, card=card, barcode=code, override_reason=override_reason)
            request.session[SLIP_KEY] = [*request.session.get(SLIP_KEY, []), loan.pk]
            messages.success(
                request,
                _("Checked out “%(title)s” (%(barcode)s) until %(date)s.")
                % {
                    "title": loan.title.title,
                    "barcode": loan.item.barcode,
                    "date": calendar_for(loan.library).local_date(loan.due_at).strftime("%d.%m.%Y"),
                },
            )
            return redirect("staff:desk")
        try:
            outcome = desk.check_in(librarian=request.user, barcode=code, at_library=tenancy.current_library(request))
        except desk.UnknownBarcode as exc:
            raise UnknownCode(code=code) from exc
        messages.success(request, f"{outcome.item.barcode} “{outcome.item.title.title}”: {outcome.message}")
        return redirect("staff:desk")
    except DomainError as error:
        return _render(
            request,
            status=error.status,
            error=error,
            code=code,
            override=isinstance(error, desk.ReaderBlocked),
            ambiguous=isinstance(error, AmbiguousCode),
        )


@tenancy.librarian_required
@require_POST
def close_reader(request):
    request.session.pop(CARD_KEY, None)
    request.session.pop(SLIP_KEY, None)
    return redirect("staff:desk")


@tenancy.librarian_required
def slip(request):
    """The printable slip: this session's check-outs for the open reader, with due dates."""
    card = _open_card(request)
    if card is None:
        raise Http404
    loans = list(
        Loan.objects.filter(card=card, pk__in=request.session.get(SLIP_KEY, []))
        .select_related("title", "copy__item", "library")
        .order_by("started_at", "id")
    )
    calendar = calendar_for(card.library)
    for loan in loans:
        loan.due_day = calendar.local_date(loan.due_at)
    return render(request, "circulation/desk_slip.html", {"card": card, "loans": loans, "printed_at": clock.now()})
