"""The circulation desk (SPEC P7): one focused input for a card number or an item barcode, keyboard only (a USB
scanner types the digits and Enter). A card opens the reader panel; an item barcode is then checked out to the
open reader, or checked in when no reader is open. Thin: the rules are in `circulation.desk`."""

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from abonement.catalog.models import Item
from abonement.circulation import desk, panel
from abonement.circulation.models import Loan
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


# desk.js sends scans with this header and swaps the answer into the page: the scan input keeps its focus and
# the server renders only the part that changes (no header, menus or their queries).
LIVE_HEADER = "HTTP_X_DESK_LIVE"


def _render(
    request,
    card: Card | None,
    *,
    status: int = 200,
    error: DomainError | None = None,
    done: str = "",
    code: str = "",
    override: bool = False,
    ambiguous: bool = False,
):
    context = {
        "error": error,
        "done": done,
        "code": code,
        "override": override,
        "ambiguous": ambiguous,
        "slip_count": len(request.session.get(SLIP_KEY, [])),
    }
    if card is not None:
        context.update(panel.reader_panel(card, now=clock.now()))
    if request.META.get(LIVE_HEADER) == "1":
        context["csrf_token"] = get_token(request)
        return HttpResponse(loader.render_to_string("circulation/desk_live.html", context), status=status)
    return render(request, "circulation/desk.html", context, status=status)


@tenancy.librarian_required
def desk_page(request):
    return _render(request, _open_card(request))


def _cards(request, code: str) -> tuple[Card | None, Card | None]:
    """The card numbered `code` (the librarian opens that reader) and the reader open now: one query."""
    open_id = request.session.get(CARD_KEY)
    found = opened = None
    for card in tenancy.for_staff(request, Card.objects.select_related("library", "user")).filter(
        Q(number=code) | Q(pk=open_id or 0)
    ):
        if card.number == code:
            found = card
        if card.pk == open_id:
            opened = card
    return found, opened


@tenancy.librarian_required
@require_POST
def scan(request):
    """One scan answers with the desk page itself (no redirect: a scan is one round trip, SPEC P7's pace);
    desk.js points the address back at the desk so a reload does not repeat the scan."""
    code = request.POST.get("code", "").strip()
    override_reason = request.POST.get("override_reason", "").strip()
    found, card = _cards(request, code)
    try:
        if not code:
            raise EmptyCode()
        meant = request.POST.get("as")  # "card" or "item": the librarian's answer to AmbiguousCode
        if meant == "item":
            found = None
        elif found is not None and meant != "card":
            if Item.objects.filter(barcode=code, library__network_id=found.library.network_id).exists():
                raise AmbiguousCode(code=code)
        if found is not None:
            request.session[CARD_KEY] = found.pk
            request.session[SLIP_KEY] = []
            return _render(request, found)
        if card is not None:
            loan = desk.check_out(librarian=request.user, card=card, barcode=code, override_reason=override_reason)
            request.session[SLIP_KEY] = [*request.session.get(SLIP_KEY, []), loan.pk]
            done = _("Checked out “%(title)s” (%(barcode)s) until %(date)s.") % {
                "title": loan.title.title,
                "barcode": loan.item.barcode,
                "date": loan.due_day.strftime("%d.%m.%Y"),
            }
            return _render(request, card, done=done)
        try:
            outcome = desk.check_in(librarian=request.user, barcode=code, at_library=tenancy.current_library(request))
        except desk.UnknownBarcode as exc:
            raise UnknownCode(code=code) from exc
        return _render(request, None, done=f"{outcome.item.barcode} “{outcome.item.title.title}”: {outcome.message}")
    except DomainError as error:
        return _render(
            request,
            card,
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
