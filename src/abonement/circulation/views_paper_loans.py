"""Paper loans (SPEC P4, P5): the reader's renew button, the staff renewals list, fine payments and waivers.
Thin: rules in circulation.renewals and circulation.fines; a DomainError becomes a 4xx page with its message."""

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abonement.circulation import fines, policies, renewals
from abonement.circulation.models import Loan, Renewal
from abonement.core import tenancy
from abonement.core.ids import parse_ids
from abonement.readers.models import Card

MAX_SELECTED = 1000


def _local(renewal: Renewal) -> str:
    """The new due date as the reader reads it: in the library's time zone."""
    return renewal.due_after.astimezone(zoneinfo.ZoneInfo(renewal.loan.library.timezone)).strftime("%d.%m.%Y %H:%M")


@login_required
@require_POST
def renew(request, loan_id: int):
    loan = get_object_or_404(Loan, pk=loan_id, card__user=request.user, copy__item__isnull=False)
    renewal = renewals.request_renewal(card=loan.card, loan=loan)
    if renewal.status == Renewal.Status.GRANTED:
        messages.success(request, _("Renewed until %(date)s.") % {"date": _local(renewal)})
    else:
        messages.success(request, _("Renewal requested. The librarian will decide."))
    return redirect("circulation:my_books")


def _staff_renewals(request):
    return tenancy.for_staff(
        request, Renewal.objects.filter(status=Renewal.Status.REQUESTED), field="loan__library"
    ).select_related("loan__card", "loan__title", "loan__library", "loan__copy__item")


@tenancy.librarian_required
def renewal_list(request):
    rows = _staff_renewals(request).order_by("requested_at", "id")[:500]
    return render(request, "circulation/renewals.html", {"renewals": rows})


@tenancy.librarian_required
@require_POST
def renewal_decide(request):
    ids = parse_ids(request.POST.getlist("renewal"), limit=MAX_SELECTED) or []
    chosen = list(_staff_renewals(request).filter(pk__in=ids).order_by("id"))
    grant = request.POST.get("action") == "grant"
    outcomes = renewals.decide_renewals(
        librarian=request.user, renewals=chosen, grant=grant, reason=request.POST.get("reason", "")
    )
    done = [o for o in outcomes if o.error is None]
    failed = [o for o in outcomes if o.error is not None]
    if done:
        messages.success(
            request, (_("Renewed: %(count)d.") if grant else _("Refused: %(count)d.")) % {"count": len(done)}
        )
    for outcome in failed:
        messages.error(request, f"{outcome.renewal.loan.title.title}: {outcome.error}")
    return redirect("staff:renewals")


def _card(request, card_id: int) -> Card:
    """A card of the librarian's current library; any other is a 404."""
    return tenancy.get_scoped(
        Card.objects.filter(library=tenancy.current_library(request)).select_related("library", "user"), pk=card_id
    )


def _back_to_reader(card: Card):
    return redirect(reverse("staff:reader", kwargs={"card_id": card.pk}) + "#fines")


@tenancy.librarian_required
@require_POST
def fine_pay(request, card_id: int):
    card = _card(request, card_id)
    amount = fines.parse_amount(request.POST.get("amount", ""))
    fines.pay(librarian=request.user, card=card, amount=amount, note=request.POST.get("note", ""))
    messages.success(
        request, _("Payment of %(amount)s recorded.") % {"amount": policies.format_money(amount, card.library.currency)}
    )
    return _back_to_reader(card)


@tenancy.librarian_required
@require_POST
def fine_waive(request, card_id: int):
    card = _card(request, card_id)
    text = request.POST.get("amount", "").strip()
    amount = fines.parse_amount(text) if text else None
    entry = fines.waive(librarian=request.user, card=card, amount=amount, reason=request.POST.get("reason", ""))
    messages.success(
        request, _("%(amount)s waived.") % {"amount": policies.format_money(-entry.amount, card.library.currency)}
    )
    return _back_to_reader(card)


@tenancy.librarian_required
@require_POST
def desk_renew(request, loan_id: int):
    """Staff renew a reader's paper loan (a phone or e-mail request), from the reader's page."""
    loan = get_object_or_404(
        Loan.objects.select_related("card"),
        pk=loan_id,
        card__library=tenancy.current_library(request),
        copy__item__isnull=False,
    )
    renewal = renewals.renew(librarian=request.user, loan=loan)
    messages.success(request, _("Renewed until %(date)s.") % {"date": _local(renewal)})
    if request.POST.get("back") == "desk":
        return redirect("staff:desk")
    return _back_to_reader(loan.card)
