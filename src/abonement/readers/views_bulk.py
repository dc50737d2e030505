"""Bulk registration of readers (SPEC A3): paste or upload, every row checked, then all created or none; and
what is printed from a batch of new passwords (the registration's, a group's): the credentials file and a sheet
of cut-out slips.

The rules live in readers/bulk.py; these views only read the request, call it and render. The passwords are
kept for a few minutes in two halves, the session's and the browser's (printing.keep_batch).
"""

import base64
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from abonement.core import tenancy
from abonement.core.errors import DomainError
from abonement.core.spreadsheets import XLSX_TYPE
from abonement.readers import bulk, printing, services
from abonement.readers.models import Card, Group

ERRORS_SHOWN = 1000
SLIPS_PER_PAGE = 10  # 2 × 5 on an A4 sheet


def _scope(library) -> str:
    return f"bulk:{library.pk}"


def batch_gone(request, *, back_url: str):
    """The answer when a batch's passwords cannot be read (any more, or here): 410 with what to do instead."""
    response = render(
        request,
        "readers/batch_gone.html",
        {"minutes": printing.BATCH_SECONDS // 60, "back_url": back_url},
        status=410,
    )
    response["Cache-Control"] = "no-store"
    return response


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
    if form.is_valid() and form.cleaned_data["email_credentials"] and not library.contact_email:
        form.add_error(
            "email_credentials",
            _("The library has no contact e-mail to send the file to: add one in the library's settings."),
        )
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
            email_library=form.cleaned_data["email_credentials"],
        )
    except DomainError as exc:  # RegisteredMeanwhile: someone took an e-mail or phone since the check
        checked = bulk.Checked(errors=[bulk.RowError(None, None, str(exc))], status=exc.status)
        return _form_page(request, form, checked, status=exc.status)

    response = redirect(reverse("staff:readers_bulk") + "?done=1")
    printing.keep_batch(
        request,
        response,
        scope=_scope(library),
        path=reverse("staff:readers_bulk"),
        secret={
            "passwords": [[item.card.pk, item.password] for item in registered.issued],
            "file": base64.b64encode(registered.credentials).decode("ascii"),
        },
        public={
            "cards": [item.card.pk for item in registered.issued],
            "filename": registered.filename,
            "emailed_to": library.contact_email if form.cleaned_data["email_credentials"] else "",
        },
    )
    return response


def _done_page(request, library):
    kept = printing.batch_public(request, scope=_scope(library))
    if kept is None:
        return redirect("staff:readers_bulk")
    cards = Card.objects.filter(library=library, pk__in=kept["cards"]).order_by("number").only("number", "full_name")
    return render(
        request,
        "readers/bulk_done.html",
        {
            "cards": cards,
            "count": len(kept["cards"]),
            "emailed_to": kept["emailed_to"],
            "filename": kept["filename"],
            "minutes": printing.BATCH_SECONDS // 60,
        },
    )


@tenancy.librarian_required
def bulk_sample(request):
    response = HttpResponse(bulk.sample_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="readers-sample.xlsx"'
    return response


@tenancy.librarian_required
def bulk_credentials(request):
    library = tenancy.current_library(request)
    batch = printing.open_batch(request, scope=_scope(library))
    if batch is None:
        return batch_gone(request, back_url=reverse("staff:readers_bulk"))
    filename = printing.batch_public(request, scope=_scope(library))["filename"]
    response = HttpResponse(base64.b64decode(batch["file"]), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # it holds passwords
    return response


# ---- the slip sheet -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Slip:
    card: Card
    password: str
    groups: str


def _slip_sheet(request, *, library, passwords: list, back_url: str, group: Group | None = None):
    """A4 pages of cut-out slips, in the batch's order: library, sign-in address, card number, password, reader
    and group (the one printed for, or all of the reader's)."""
    cards = (
        Card.objects.filter(library=library, pk__in=[pk for pk, _password in passwords])
        .prefetch_related(Prefetch("groups", Group.objects.order_by("name")))
        .in_bulk()
    )
    slips = [
        Slip(
            card=cards[pk],
            password=password,
            groups=group.name if group else ", ".join(g.name for g in cards[pk].groups.all()),
        )
        for pk, password in passwords
        if pk in cards
    ]
    response = render(
        request,
        "readers/slip_sheet.html",
        {
            "library": library,
            "pages": [slips[i : i + SLIPS_PER_PAGE] for i in range(0, len(slips), SLIPS_PER_PAGE)],
            "count": len(slips),
            "per_page": SLIPS_PER_PAGE,
            "login_url": settings.SITE_URL + reverse("accounts:login"),
            "back_url": back_url,
            "minutes": printing.BATCH_SECONDS // 60,
        },
    )
    add_never_cache_headers(response)  # no-store: the page holds passwords
    return response


@tenancy.librarian_required
def bulk_slips(request):
    library = tenancy.current_library(request)
    batch = printing.open_batch(request, scope=_scope(library))
    back_url = reverse("staff:readers_bulk") + "?done=1"
    if batch is None:
        return batch_gone(request, back_url=reverse("staff:readers_bulk"))
    return _slip_sheet(request, library=library, passwords=batch["passwords"], back_url=back_url)


def _group(request, group_id: int) -> Group:
    return tenancy.get_scoped(Group.objects.filter(library=tenancy.current_library(request)), pk=group_id)


@tenancy.librarian_required
def group_passwords(request, group_id: int):
    """ "New passwords and print slips" for a whole group: a confirmation page, the reset on its POST only."""
    group = _group(request, group_id)
    members = group.cards.order_by("full_name", "number")
    if request.method != "POST":
        return render(request, "readers/group_passwords.html", {"group": group, "count": members.count()})
    issued = services.reset_group_passwords(librarian=request.user, group=group)
    if not issued:
        messages.info(request, _("The group has no readers: no passwords were set."))
        return redirect("staff:group", group_id=group.pk)
    response = redirect("staff:group_slips", group_id=group.pk)
    printing.keep_batch(
        request,
        response,
        scope=f"group:{group.pk}",
        path=reverse("staff:group_slips", kwargs={"group_id": group.pk}),
        secret={"passwords": [[item.card.pk, item.password] for item in issued]},
    )
    return response


@tenancy.librarian_required
def group_slips(request, group_id: int):
    group = _group(request, group_id)
    batch = printing.open_batch(request, scope=f"group:{group.pk}")
    back_url = reverse("staff:group", kwargs={"group_id": group.pk})
    if batch is None:
        return batch_gone(request, back_url=back_url)
    return _slip_sheet(request, library=group.library, passwords=batch["passwords"], back_url=back_url, group=group)
