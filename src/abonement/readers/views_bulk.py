"""Bulk registration of readers (SPEC A3): paste or upload, every row checked, then all created or none.

The rules live in readers/bulk.py; these views only read the request, call it and render.
"""

import base64
from datetime import datetime, timedelta

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import get_language

from abonement.core import clock, tenancy
from abonement.core.errors import DomainError
from abonement.core.spreadsheets import XLSX_TYPE
from abonement.readers import bulk
from abonement.readers.models import Card

SESSION_KEY = "readers_bulk_import"
CREDENTIALS_KEPT = timedelta(hours=1)
ERRORS_SHOWN = 1000


def _last_import(request, library):
    """What the last successful import left in the session, while it is fresh and of this library."""
    kept = request.session.get(SESSION_KEY)
    if not kept or kept.get("library") != library.pk:
        return None
    if clock.now() - datetime.fromisoformat(kept["at"]) > CREDENTIALS_KEPT:
        del request.session[SESSION_KEY]  # passwords do not linger in the session store
        return None
    return kept


def _form_page(request, form, checked=None, status=200):
    errors = checked.errors if checked else []
    return render(
        request,
        "readers/bulk.html",
        {
            "form": form,
            "errors": errors[:ERRORS_SHOWN],
            "errors_total": len(errors),
            "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
            "error_rows": len({e.row for e in errors if e.row is not None}),
            "max_rows": number_format(bulk.MAX_ROWS, force_grouping=True),
            "library": tenancy.current_library(request),
        },
        status=status,
    )


@tenancy.librarian_required
def bulk_import(request):
    library = tenancy.current_library(request)
    if request.method != "POST":
        if "done" in request.GET:
            return _done_page(request, library)
        return _form_page(request, bulk.BulkForm(initial={"language": get_language()}))

    form = bulk.BulkForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    checked = bulk.read_and_check(
        text=form.cleaned_data["rows"],
        upload=form.cleaned_data["file"],
        contact_required=not library.readers_without_contact,
    )
    if not checked.ok:
        return _form_page(request, form, checked, status=checked.status)
    try:
        registered = bulk.register(
            librarian=request.user,
            library=library,
            readers=checked.readers,
            language=form.cleaned_data["language"],
            notice_language=get_language(),
        )
    except DomainError as exc:  # RegisteredMeanwhile: someone took an e-mail or phone since the check
        checked = bulk.Checked(errors=[bulk.RowError(None, None, str(exc))], status=exc.status)
        return _form_page(request, form, checked, status=exc.status)

    request.session[SESSION_KEY] = {
        "library": library.pk,
        "at": clock.now().isoformat(),
        "cards": [item.card.pk for item in registered.issued],
        "filename": registered.filename,
        "file": base64.b64encode(registered.credentials).decode("ascii"),
        "emailed_to": library.contact_email,
    }
    return redirect(reverse("staff:readers_bulk") + "?done=1")


def _done_page(request, library):
    kept = _last_import(request, library)
    if kept is None:
        return redirect("staff:readers_bulk")
    cards = Card.objects.filter(library=library, pk__in=kept["cards"]).order_by("number").only("number", "full_name")
    return render(
        request,
        "readers/bulk_done.html",
        {"cards": cards, "count": len(kept["cards"]), "emailed_to": kept["emailed_to"], "filename": kept["filename"]},
    )


@tenancy.librarian_required
def bulk_sample(request):
    response = HttpResponse(bulk.sample_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="readers-sample.xlsx"'
    return response


@tenancy.librarian_required
def bulk_credentials(request):
    kept = _last_import(request, tenancy.current_library(request))
    if kept is None:
        raise Http404
    response = HttpResponse(base64.b64decode(kept["file"]), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kept["filename"]}"'
    response["Cache-Control"] = "no-store"  # it holds passwords
    return response
