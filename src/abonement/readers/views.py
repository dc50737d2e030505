from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from abonement.circulation import services as circulation_services
from abonement.circulation.models import Loan, Request
from abonement.collections.selectors import collections_for_group
from abonement.core import clock, tenancy
from abonement.core.errors import DomainError, add_to_form
from abonement.core.ids import ids_from
from abonement.core.models import Event
from abonement.core.spreadsheets import csv_response, xlsx_response
from abonement.readers import selectors, services
from abonement.readers.forms import (
    BackupLoginForm,
    BlankCardsForm,
    CardEditForm,
    ConfirmCodeForm,
    GroupForm,
    LendingForm,
    MergeForm,
    PeriodForm,
    ProfileForm,
    ReaderForm,
    SearchForm,
)
from abonement.readers.models import Card, ContactConfirmation, Group
from abonement.readers.printing import card_barcode_svg, forget_slip, keep_for_slip, take_for_slip

CONTACT_FIELDS = {"email_taken": "email", "phone_taken": "phone"}
STATUS_FILTERS = {"active": Card.Status.ACTIVE, "blocked": Card.Status.BLOCKED}


def _cards(request):
    """Cards of the librarian's current library; everything else is a 404."""
    return Card.objects.filter(library=tenancy.current_library(request))


def _card(request, card_id: int) -> Card:
    return tenancy.get_scoped(_cards(request).select_related("user", "library"), pk=card_id)


def _group(request, group_id: int) -> Group:
    return tenancy.get_scoped(Group.objects.filter(library=tenancy.current_library(request)), pk=group_id)


def _filtered_cards(request):
    cards = _cards(request).select_related("user").prefetch_related(Prefetch("groups", Group.objects.order_by("name")))
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    cards = selectors.search_cards(cards, query)
    status = request.GET.get("status")
    if status in STATUS_FILTERS:
        cards = cards.filter(status=STATUS_FILTERS[status])
    elif status == "borrowed":  # "active" readers in the seed's sense: ever got a book
        cards = cards.filter(Exists(Loan.objects.filter(card=OuterRef("pk"))))
    elif status == "on_hand":
        cards = cards.filter(Exists(Loan.objects.filter(card=OuterRef("pk"), ended_at__isnull=True)))
    return cards.order_by("full_name", "number"), form, status


def _to_slip(request, card: Card, password: str):
    response = redirect("staff:reader_slip", card_id=card.pk)
    keep_for_slip(request, response, card=card, password=password)
    return response


# ---- list and export -----------------------------------------------------------------------------


@tenancy.librarian_required
def reader_list(request):
    cards, form, status = _filtered_cards(request)
    page = Paginator(cards, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "readers/reader_list.html",
        {
            "page": page,
            "form": form,
            "status": status,
            "today": clock.now().date(),
            "query_string": request.GET.urlencode(),
        },
    )


EXPORT_HEADER = [
    "Card number",
    "Full name",
    "Birth date",
    "Age",
    "E-mail",
    "Phone",
    "Groups",
    "Lending mode",
    "Books on hand at most",
    "Status",
    "Registered by",
    "Created",
]


@tenancy.librarian_required
def reader_export(request, fmt: str):
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    cards, _form, _status = _filtered_cards(request)
    today = clock.now().date()

    def rows():
        for card in cards.iterator(chunk_size=2000):
            yield [
                card.number,
                card.full_name,
                card.birth_date,
                card.age_on(today),
                card.user.email or "",
                card.user.phone or "",
                ", ".join(g.name for g in card.groups.all()),
                card.get_lending_mode_display(),
                card.max_on_hand,
                card.get_status_display(),
                card.get_source_display(),
                card.created_at.astimezone().date(),
            ]

    header = [_(h) for h in EXPORT_HEADER]
    filename = f"readers-{today:%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, header, rows())
    return xlsx_response(filename, header, rows(), title=_("Readers"))


# ---- one reader ----------------------------------------------------------------------------------


@tenancy.librarian_required
def reader_create(request):
    library = tenancy.current_library(request)
    form = ReaderForm(
        request.POST or None,
        library=library,
        require_contact=not library.readers_without_contact,
        initial={"language": translation.get_language()},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            reader = services.NewReader(
                full_name=data["full_name"],
                birth_date=data["birth_date"],
                email=data["email"],
                phone=data["phone"],
                group_names=tuple(g.name for g in data.get("groups", [])),
            )
            try:
                issued = services.create_reader(
                    librarian=request.user, library=library, reader=reader, language=data["language"]
                )
            except DomainError as error:
                status = add_to_form(form, error, CONTACT_FIELDS)
            else:
                return _to_slip(request, issued.card, issued.password)
    return render(
        request, "readers/reader_form.html", {"form": form, "creating": True, "library": library}, status=status
    )


HISTORY_KINDS = [
    "issued",
    "returned",
    "loan_expired",
    "requested",
    "request_cancelled",
    "request_approved",
    "request_rejected",
    "queued",
    "queue_left",
    "queue_skipped",
    "copy_acquired",
]


def _history(card: Card, request):
    """The card's circulation events in the chosen period (SPEC R7)."""
    period = PeriodForm(request.GET or None)
    events = Event.objects.filter(card=card, kind__in=HISTORY_KINDS).select_related("title").order_by("-at", "-id")
    if period.is_valid():
        start, end = period.cleaned_data.get("start"), period.cleaned_data.get("end")
        if start:
            events = events.filter(at__date__gte=start)
        if end:
            events = events.filter(at__date__lte=end)
    return events, period


def _detail_context(request, card: Card, **extra) -> dict:
    tab = request.GET.get("tab", "on_hand")
    context = {
        "card": card,
        "lending_form": LendingForm(instance=card),
        "groups": card.groups.order_by("name"),
        "tab": tab,
        "on_hand": Loan.objects.filter(card=card, ended_at__isnull=True)
        .select_related("title", "library")
        .order_by("due_at"),
        "card_requests": Request.objects.filter(card=card).select_related("title").order_by("-created_at")[:100],
    }
    if tab == "history":
        context["history"], context["period"] = _history(card, request)
        context["history"] = context["history"][:500]
    context.update(extra)
    return context


@tenancy.librarian_required
def reader_detail(request, card_id: int):
    card = _card(request, card_id)
    return render(request, "readers/reader_detail.html", _detail_context(request, card))


@tenancy.librarian_required
def reader_history_export(request, card_id: int, fmt: str = "xlsx"):
    card = _card(request, card_id)
    events, period = _history(card, request)
    if period.is_bound and not period.is_valid():
        return render(request, "readers/reader_detail.html", _detail_context(request, card), status=400)
    rows = (
        [e.at.astimezone(), e.get_kind_display(), e.actor_label, e.title.title if e.title else "", e.reason]
        for e in events.iterator(chunk_size=2000)
    )
    header = [_("When"), _("Action"), _("Who"), _("Title"), _("Reason")]
    if fmt == "csv":
        return csv_response(f"reader-{card.number}-history.csv", header, rows)
    return xlsx_response(f"reader-{card.number}-history.xlsx", header, rows, title=_("History"))


@tenancy.librarian_required
@require_POST
def reader_requests(request, card_id: int):
    """Approve or reject this reader's waiting requests in place (SPEC R7)."""
    card = _card(request, card_id)
    ids = ids_from(request.POST, "request")
    waiting = list(Request.objects.filter(card=card, pk__in=ids, status=Request.Status.WAITING))
    if request.POST.get("action") == "reject":
        circulation_services.reject_requests(
            librarian=request.user, requests=waiting, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("Rejected: %(count)d.") % {"count": len(waiting)})
    else:
        outcomes = circulation_services.approve_requests(librarian=request.user, requests=waiting)
        for outcome in outcomes:
            if outcome.error:
                messages.error(request, f"{outcome.request.title.title}: {outcome.error}")
        messages.success(request, _("Approved: %(count)d.") % {"count": sum(1 for o in outcomes if not o.error)})
    return redirect(f"{reverse('staff:reader', kwargs={'card_id': card.pk})}?tab=requests")


@tenancy.librarian_required
def reader_edit(request, card_id: int):
    card = _card(request, card_id)
    form = CardEditForm(request.POST or None, card=card)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_card(
                    librarian=request.user,
                    card=card,
                    full_name=data["full_name"],
                    birth_date=data["birth_date"],
                    email=data["email"],
                    phone=data["phone"],
                    group_ids=[g.pk for g in data["groups"]] if "groups" in data else None,
                    category=data["category"],
                )
            except DomainError as error:
                status = add_to_form(form, error, CONTACT_FIELDS)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("staff:reader", card_id=card.pk)
    return render(request, "readers/reader_form.html", {"form": form, "card": card}, status=status)


@tenancy.librarian_required
@require_POST
def reader_lending(request, card_id: int):
    card = _card(request, card_id)
    form = LendingForm(request.POST, instance=Card(library=card.library, user=card.user))
    if not form.is_valid():
        return render(
            request, "readers/reader_detail.html", _detail_context(request, card, lending_form=form), status=400
        )
    services.update_lending(
        librarian=request.user,
        card=card,
        lending_mode=form.cleaned_data["lending_mode"],
        max_on_hand=form.cleaned_data["max_on_hand"],
    )
    messages.success(request, _("Lending settings saved."))
    return redirect("staff:reader", card_id=card.pk)


@tenancy.librarian_required
@require_POST
def reader_block(request, card_id: int):
    services.block_card(librarian=request.user, card=_card(request, card_id))
    messages.success(request, _("The card is blocked: the reader was signed out and cannot take or request books."))
    return redirect("staff:reader", card_id=card_id)


@tenancy.librarian_required
@require_POST
def reader_unblock(request, card_id: int):
    services.unblock_card(librarian=request.user, card=_card(request, card_id))
    messages.success(request, _("The card is active again."))
    return redirect("staff:reader", card_id=card_id)


@tenancy.librarian_required
@require_POST
def reader_password(request, card_id: int):
    card = _card(request, card_id)
    password = services.reset_reader_password(librarian=request.user, card=card)
    return _to_slip(request, card, password)


@tenancy.librarian_required
@never_cache  # no-store: the page holds a password, neither the browser nor a proxy may keep it
def reader_slip(request, card_id: int):
    """The credentials slip: a new password is shown once, right after it is set, and stored nowhere readable."""
    card = _card(request, card_id)
    password = take_for_slip(request, card=card)
    response = render(request, "readers/reader_slip.html", {"card": card, "password": password})
    forget_slip(response, card=card)
    return response


@tenancy.librarian_required
def reader_card(request, card_id: int):
    """A paper reader card to print: library, name, card number as text and barcode (SPEC A2)."""
    card = _card(request, card_id)
    return render(request, "readers/reader_card.html", {"card": card, "barcode": card_barcode_svg(card.number)})


# ---- groups --------------------------------------------------------------------------------------


@tenancy.librarian_required
def group_list(request):
    library = tenancy.current_library(request)
    form = GroupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                group = services.create_group(library=library, name=form.cleaned_data["name"])
            except DomainError as error:
                status = add_to_form(form, error, {error.code: "name"})
            else:
                messages.success(request, _("Group “%(name)s” created.") % {"name": group.name})
                return redirect("staff:group", group_id=group.pk)
    groups = Group.objects.filter(library=library).annotate(size=Count("cards")).order_by("name")
    return render(request, "readers/group_list.html", {"groups": groups, "form": form}, status=status)


@tenancy.librarian_required
def group_detail(request, group_id: int):
    group = _group(request, group_id)
    form = GroupForm(request.POST or None, instance=Group(library=group.library, name=group.name))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.rename_group(group=group, name=form.cleaned_data["name"])
            except DomainError as error:
                status = add_to_form(form, error, {error.code: "name"})
            else:
                messages.success(request, _("Group renamed."))
                return redirect("staff:group", group_id=group.pk)
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    found = []
    if query:
        found = selectors.search_cards(_cards(request).exclude(groups=group), query).order_by("full_name")[:30]
    members = group.cards.order_by("full_name", "number")
    return render(
        request,
        "readers/group_detail.html",
        {
            "group": group,
            "form": form,
            "members": members,
            "search": search,
            "found": found,
            "query": query,
            "collections": collections_for_group(group),
        },
        status=status,
    )


@tenancy.librarian_required
@require_POST
def group_members(request, group_id: int):
    group = _group(request, group_id)
    ids = ids_from(request.POST, "card")
    cards = list(_cards(request).filter(pk__in=ids))
    if request.POST.get("action") == "remove":
        services.remove_from_group(group=group, cards=cards)
        messages.success(request, _("Removed from the group: %(count)d.") % {"count": len(cards)})
    else:
        services.add_to_group(group=group, cards=cards)
        messages.success(request, _("Added to the group: %(count)d.") % {"count": len(cards)})
    return redirect("staff:group", group_id=group.pk)


# ---- operator: blank cards -----------------------------------------------------------------------


@tenancy.operator_required
def blank_cards(request, library_id: int):
    library = tenancy.get_scoped(tenancy.operator_libraries(request.user), pk=library_id)
    form = BlankCardsForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            issued = services.issue_blank_cards(
                operator=request.user, library=library, count=form.cleaned_data["count"]
            )
            header = [_("Card number"), _("Password"), _("Library")]
            rows = [[i.card.number, i.password, library.name] for i in issued]
            response = xlsx_response(
                f"blank-cards-{library.pk}-{clock.now():%Y%m%d-%H%M}.xlsx", header, rows, title=_("Blank cards")
            )
            response["Cache-Control"] = "no-store"  # it holds passwords
            return response
        return render(request, "readers/blank_cards.html", {"form": form, "library": library}, status=400)
    return render(request, "readers/blank_cards.html", {"form": form, "library": library})


# ---- reader: merge and backup login --------------------------------------------------------------


@login_required
def merge(request):
    form = MergeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                moved = services.merge_accounts(
                    user=request.user,
                    identifier=form.cleaned_data["identifier"],
                    password=form.cleaned_data["password"],
                )
            except DomainError as error:
                status = add_to_form(form, error)
            else:
                messages.success(request, _("Merged: %(count)d card(s) now open with this login.") % {"count": moved})
                return redirect("circulation:my_books")
    return render(request, "readers/merge.html", {"form": form}, status=status)


@login_required
def profile(request):
    """The reader's own name, birth date and contacts; readers only (a staff account has no card)."""
    card = Card.objects.filter(user=request.user).select_related("user").order_by("pk").first()
    if card is None:
        raise Http404
    form = ProfileForm(request.POST or None, card=card)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_profile(
                    user=request.user,
                    full_name=data["full_name"],
                    birth_date=data["birth_date"],
                    email=data["email"],
                    phone=data["phone"],
                )
            except DomainError as error:
                status = add_to_form(form, error, CONTACT_FIELDS)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("circulation:my_books")
    return render(request, "readers/profile.html", {"form": form}, status=status)


@login_required
def backup_login(request):
    user = request.user
    pending = ContactConfirmation.objects.filter(user=user).first()
    form = BackupLoginForm(request.POST if request.POST.get("action") == "send" else None)
    confirm = ConfirmCodeForm(request.POST if request.POST.get("action") == "confirm" else None)
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if request.POST.get("action") == "send" and form.is_valid():
                services.start_contact_confirmation(user=user, kind=form.cleaned_data["kind"], value=form.value)
                messages.success(request, _("We sent a code to %(value)s.") % {"value": form.value})
                return redirect("readers:backup_login")
            if request.POST.get("action") == "confirm" and confirm.is_valid():
                done = services.confirm_contact(user=user, code=confirm.cleaned_data["code"])
                messages.success(request, _("%(value)s is now a login of yours.") % {"value": done.value})
                return redirect("circulation:my_books")
        except (services.EmailTaken, services.PhoneTaken) as error:
            status = add_to_form(form, error, CONTACT_FIELDS)
        except DomainError as error:
            status = add_to_form(confirm, error, {error.code: "code"})
    return render(
        request, "readers/backup_login.html", {"form": form, "confirm": confirm, "pending": pending}, status=status
    )
