from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abonement.accounts.models import User
from abonement.circulation import services as circulation_services
from abonement.core import tenancy
from abonement.core.errors import DomainError, add_to_form
from abonement.core.ids import parse_id
from abonement.libraries import services
from abonement.libraries.forms import CreditGrantForm, LibrarianForm, LibraryForm
from abonement.libraries.models import Library, StaffMembership

# ---- Operator ------------------------------------------------------------------------------------


@tenancy.operator_required
def operator_home(request):
    networks = tenancy.operator_networks(request.user).prefetch_related("operators")
    libraries = (
        tenancy.operator_libraries(request.user)
        .select_related("network", "parent")
        .annotate(
            librarian_count=Count(
                "staff_memberships", filter=Q(staff_memberships__deactivated_at__isnull=True), distinct=True
            )
        )
        .order_by("network__name", "name")
    )
    return render(request, "libraries/operator_home.html", {"networks": networks, "libraries": libraries})


def _library_form_page(request, *, library: Library | None):
    networks = tenancy.operator_networks(request.user)
    form = LibraryForm(request.POST or None, instance=library, networks=networks)
    if request.method == "POST":
        if form.is_valid():
            fields = {k: v for k, v in form.cleaned_data.items() if k != "network"}
            if library is None:
                library = services.create_library(operator=request.user, network=form.cleaned_data["network"], **fields)
                messages.success(request, _("Library “%(name)s” created.") % {"name": library.name})
            else:
                library = services.update_library(operator=request.user, library=library, **fields)
                messages.success(request, _("Changes saved."))
            return redirect("operator:library", library_id=library.pk)
        status = 400
    else:
        status = 200
    return render(request, "libraries/library_form.html", {"form": form, "library": library}, status=status)


@tenancy.operator_required
def library_create(request):
    return _library_form_page(request, library=None)


@tenancy.operator_required
def library_edit(request, library_id: int):
    library = tenancy.get_scoped(tenancy.operator_libraries(request.user), pk=library_id)
    return _library_form_page(request, library=library)


@tenancy.operator_required
def library_detail(request, library_id: int):
    library = tenancy.get_scoped(
        tenancy.operator_libraries(request.user).select_related("network", "parent"), pk=library_id
    )
    memberships = (
        StaffMembership.objects.filter(library=library)
        .select_related("user")
        .order_by("deactivated_at", "user__last_name", "user__first_name", "pk")
    )
    return render(request, "libraries/library_detail.html", {"library": library, "memberships": memberships})


@tenancy.operator_required
def librarian_create(request, library_id: int):
    library = tenancy.get_scoped(tenancy.operator_libraries(request.user), pk=library_id)
    form = LibrarianForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                librarian, _password = services.create_librarian(
                    operator=request.user, library=library, **form.cleaned_data
                )
            except DomainError as error:
                status = add_to_form(form, error, {"email_taken": "email", "login_taken": "username"})
            else:
                messages.success(
                    request,
                    _("Librarian %(name)s created; the login and password were e-mailed to %(email)s.")
                    % {"name": librarian.get_full_name(), "email": librarian.email},
                )
                return redirect("operator:library", library_id=library.pk)
    return render(request, "libraries/librarian_form.html", {"form": form, "library": library}, status=status)


@tenancy.operator_required
@require_POST
def librarian_reset_password(request, library_id: int, librarian_id: int):
    library = tenancy.get_scoped(tenancy.operator_libraries(request.user), pk=library_id)
    librarian = tenancy.get_scoped(
        User.objects.filter(staff_memberships__library=library, staff_memberships__deactivated_at__isnull=True),
        pk=librarian_id,
    )
    services.reset_librarian_password(operator=request.user, librarian=librarian, library=library)
    messages.success(
        request,
        _("A new password was e-mailed to %(email)s; the librarian's sessions were ended.")
        % {"email": librarian.email},
    )
    return redirect("operator:library", library_id=library.pk)


def _change_librarian(request, library_id: int, librarian_id: int, *, change, done: str):
    library = tenancy.get_scoped(tenancy.operator_libraries(request.user), pk=library_id)
    librarian = tenancy.get_scoped(User.objects.filter(staff_memberships__library=library), pk=librarian_id)
    try:
        change(operator=request.user, librarian=librarian, library=library)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done % {"name": librarian.get_full_name()})
    return redirect("operator:library", library_id=library.pk)


@tenancy.operator_required
@require_POST
def librarian_deactivate(request, library_id: int, librarian_id: int):
    return _change_librarian(
        request,
        library_id,
        librarian_id,
        change=services.deactivate_librarian,
        done=_("%(name)s is deactivated in this library and signed out everywhere."),
    )


@tenancy.operator_required
@require_POST
def librarian_reactivate(request, library_id: int, librarian_id: int):
    return _change_librarian(
        request,
        library_id,
        librarian_id,
        change=services.reactivate_librarian,
        done=_("%(name)s works in this library again and can sign in with their password."),
    )


@tenancy.operator_required
def library_credits(request, library_id: int):
    """Distribute credits to a library and see every movement of its balance (SPEC T3, L2)."""
    library = tenancy.get_scoped(tenancy.operator_libraries(request.user), pk=library_id)
    form = CreditGrantForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                circulation_services.grant_credits(operator=request.user, library=library, **form.cleaned_data)
            except DomainError as error:
                status = add_to_form(form, error, {error.code: "amount"})
            else:
                messages.success(request, _("The balance is updated."))
                return redirect("operator:library_credits", library_id=library.pk)
    library.refresh_from_db()
    entries = Paginator(
        library.credit_entries.select_related("actor", "title", "card").order_by("-at", "-id"), 50
    ).get_page(request.GET.get("page"))
    return render(
        request, "libraries/library_credits.html", {"library": library, "form": form, "entries": entries}, status=status
    )


# ---- Librarian -----------------------------------------------------------------------------------


@tenancy.librarian_required
def staff_home(request):
    return render(request, "libraries/staff_home.html", {"library": tenancy.current_library(request)})


@tenancy.librarian_required
@require_POST
def switch_library(request):
    library = tenancy.get_scoped(tenancy.staff_libraries(request.user), pk=parse_id(request.POST.get("library_id")))
    request.session[tenancy.SESSION_LIBRARY_KEY] = library.pk
    return redirect("staff:home")
