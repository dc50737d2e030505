"""Reader actions on books and the reader's "My books"; the librarian's forced issue. Thin: the rules are in
services and policies; a DomainError becomes a 4xx page with its message (core.middleware)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abonement.catalog.models import Title
from abonement.circulation import services, shelf, views_reservations
from abonement.circulation.models import Hold, Loan, Request
from abonement.core import clock, tenancy
from abonement.core.ids import id_from
from abonement.core.spreadsheets import csv_response, xlsx_response
from abonement.readers.models import Card

TABS = ["all", "on_loan", "requested", "queued", "deferred", "archive"]


@login_required
def my_books(request):
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "all"
    return render(
        request,
        "circulation/my_books.html",
        {
            "cards": shelf.reader_cards(request.user),
            "shelf": shelf.my_books(request.user),
            "tab": tab,
            "tabs": TABS,
            **views_reservations.my_reservations(request.user, now=clock.now()),
        },
    )


def _back(request, title: Title):
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(reverse("catalog:title", kwargs={"title_id": title.pk}))


def _reader_card(request) -> Card:
    """The card the reader acts with: the chosen one, else their first active card."""
    cards = shelf.reader_cards(request.user)
    chosen = id_from(request.POST, "card")
    card = cards.filter(pk=chosen).first() if chosen else None
    card = card or cards.filter(status=Card.Status.ACTIVE).first() or cards.first()
    if card is None:
        raise Http404
    return card


def _title(title_id: int) -> Title:
    return get_object_or_404(Title, pk=title_id)


@login_required
@require_POST
def take(request, title_id: int):
    title = _title(title_id)
    loan = services.take(card=_reader_card(request), title=title)
    messages.success(
        request,
        _("“%(title)s” is yours until %(date)s 23:59.")
        % {"title": title.title, "date": loan.last_day.strftime("%d.%m.%Y")},
    )
    return _back(request, title)


@login_required
@require_POST
def request_title(request, title_id: int):
    title = _title(title_id)
    services.request_title(card=_reader_card(request), title=title)
    messages.success(request, _("Requested. The librarian will answer; you will get an e-mail."))
    return _back(request, title)


@login_required
@require_POST
def join_queue(request, title_id: int):
    title = _title(title_id)
    hold = services.join_queue(card=_reader_card(request), title=title)
    if hold.loan_id:
        messages.success(request, _("A copy was free: “%(title)s” is yours now.") % {"title": title.title})
    else:
        messages.success(
            request, _("You are number %(position)d in the queue.") % {"position": services.queue_position(hold)}
        )
    return _back(request, title)


@login_required
@require_POST
def defer(request, title_id: int):
    title = _title(title_id)
    if request.POST.get("undo"):
        services.undefer(user=request.user, title=title)
    else:
        services.defer(user=request.user, title=title)
        messages.success(request, _("Added to “Want to read” in My books."))
    return _back(request, title)


@login_required
@require_POST
def return_loan(request, loan_id: int):
    loan = get_object_or_404(Loan.objects.select_related("title"), pk=loan_id, card__user=request.user)
    if request.POST.get("confirm") != "1":  # a return cannot be undone: without the confirmation, ask first
        return render(request, "circulation/return_confirm.html", {"loan": loan, "title": loan.title})
    services.return_loan(loan=loan, actor=request.user)
    messages.success(request, _("“%(title)s” is returned. Thank you!") % {"title": loan.title.title})
    return redirect("circulation:my_books")


@login_required
@require_POST
def cancel_request(request, request_id: int):
    reader_request = get_object_or_404(Request, pk=request_id, card__user=request.user)
    services.cancel_request(card=reader_request.card, request=reader_request)
    messages.success(request, _("Request cancelled."))
    return redirect("circulation:my_books")


@login_required
@require_POST
def leave_queue(request, hold_id: int):
    hold = get_object_or_404(Hold, pk=hold_id, card__user=request.user)
    services.leave_queue(card=hold.card, hold=hold)
    messages.success(request, _("You left the queue."))
    return redirect("circulation:my_books")


@tenancy.librarian_required
@require_POST
def force_issue(request, title_id: int):
    """SPEC L5: the librarian types a card number on the book page and the book is lent at once."""
    library = tenancy.current_library(request)
    title = _title(title_id)
    if not services.lendable_by(library, title):
        raise Http404
    loan = services.force_issue(
        librarian=request.user, library=library, card_number=request.POST.get("card_number", ""), title=title
    )
    messages.success(
        request,
        _("Issued to %(name)s (card %(number)s) until %(date)s.")
        % {
            "name": loan.card.full_name,
            "number": loan.card.number,
            "date": loan.last_day.strftime("%d.%m.%Y"),
        },
    )
    return _back(request, title)


def title_actions(request, title: Title) -> dict:
    """Context for the action area of a book page (templates/circulation/_title_actions.html)."""
    return {
        "action": shelf.action_for(request.user, title, now=clock.now()),
        "staff_library": tenancy.current_library(request) if request.user.is_authenticated else None,
        **(views_reservations.paper_actions(request, title) if title.is_paper else {}),
    }


FUND_FILTERS = ["all", "on_loan", "available"]


def _fund(request):
    """SPEC L2: every title the library ever held a copy of, with copies on loan now and loans before."""
    library = tenancy.current_library(request)
    show = request.GET.get("show") if request.GET.get("show") in FUND_FILTERS else "all"
    rows = (
        Title.objects.filter(copies__library=library)
        .annotate(
            copy_count=Count("copies", filter=Q(copies__library=library), distinct=True),
            on_loan_now=Count("loans", filter=Q(loans__library=library, loans__ended_at__isnull=True), distinct=True),
            loans_before=Count("loans", filter=Q(loans__library=library, loans__ended_at__isnull=False), distinct=True),
        )
        .order_by("title", "id")
    )
    if show == "on_loan":
        rows = rows.filter(on_loan_now__gt=0)
    elif show == "available":
        rows = rows.filter(copy_count__gt=F("on_loan_now"))
    return rows, show


@tenancy.librarian_required
def fund(request):
    rows, show = _fund(request)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(request, "circulation/fund.html", {"page": page, "show": show, "filters": FUND_FILTERS})


@tenancy.librarian_required
def fund_export(request, fmt: str):
    """SPEC R5/R6: the fund as xlsx or CSV, streamed row by row."""
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    titles, show = _fund(request)
    rows = (
        [
            title.pk,
            title.title,
            title.get_format_display(),
            ", ".join(author.name for author in title.authors.all()),
            title.copy_count,
            title.on_loan_now,
            title.loans_before,
        ]
        for title in titles.prefetch_related("authors").iterator(chunk_size=2000)
    )
    header = [_("ID"), _("Title"), _("Format"), _("Authors"), _("Copies"), _("On loan now"), _("Loans before")]
    filename = f"fund-{show}-{clock.now():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, header, rows)
    return xlsx_response(filename, header, rows, title=_("Library fund"))
