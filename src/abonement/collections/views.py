"""Collections of the librarian's library, templates of the operator's networks, and the mass issue (G2, G3).

Thin: objects come scoped (another library's collection or group, another network's template: 404), every
change goes through collections.services.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from abonement.catalog.models import Title
from abonement.collections import selectors, services
from abonement.collections.forms import CollectionForm, TemplateForm, TitleSearchForm
from abonement.collections.models import Collection
from abonement.core import tenancy
from abonement.core.errors import DomainError, add_to_form
from abonement.core.ids import id_from, ids_from, parse_id
from abonement.readers.models import Group


def _collection(request, collection_id: int) -> Collection:
    return tenancy.get_scoped(
        Collection.objects.filter(library=tenancy.current_library(request)).select_related("library"),
        pk=collection_id,
    )


def _template(request, template_id: int) -> Collection:
    return tenancy.get_scoped(selectors.operator_templates(request.user), pk=template_id)


def _groups(request):
    return Group.objects.filter(library=tenancy.current_library(request))


# ---- the books of a collection or template (shared by both pages) -------------------------------


def _titles_context(request, collection: Collection) -> dict:
    search = TitleSearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    return {
        "titles": selectors.titles_of(collection),
        "search": search,
        "query": query,
        "found": selectors.find_titles(query, exclude=collection) if query else [],
    }


def _change_titles(request, collection: Collection) -> None:
    """Add the ticked found books, remove one or the ticked, or move one up or down."""
    post = request.POST
    if post.get("up") or post.get("down"):
        moved = "up" if post.get("up") else "down"
        services.move_title(collection=collection, title_id=id_from(post, moved), offset=-1 if moved == "up" else 1)
        return
    if post.get("remove") or post.get("action") == "remove":
        removed = services.remove_titles(
            collection=collection,
            title_ids=[id_from(post, "remove")] if post.get("remove") else ids_from(post, "title"),
        )
        messages.success(request, _("Removed from the collection: %(count)d.") % {"count": removed})
        return
    titles = list(Title.objects.filter(pk__in=ids_from(post, "title")).order_by("title", "id"))
    added = services.add_titles(collection=collection, titles=titles)
    messages.success(request, _("Added to the collection: %(count)d.") % {"count": added})


def _back_to(request, name: str, **kwargs):
    """Back to the page, with the search the librarian was adding from."""
    query = request.POST.get("q", "").strip()[:200]
    return redirect(reverse(name, kwargs=kwargs) + (f"?{urlencode({'q': query})}" if query else ""))


# ---- librarian: collections ---------------------------------------------------------------------


def _show_or_rename(request, collection: Collection, *, page, renamed: str, back: tuple):
    """The page of a collection or template; POSTed, its new name. Librarian and operator pages share it."""
    if request.method != "POST":
        return page(request, collection)
    form = CollectionForm(
        request.POST, instance=Collection(name=collection.name, library=collection.library, network=collection.network)
    )
    if not form.is_valid():
        return page(request, collection, form=form, status=400)
    services.rename(collection=collection, name=form.cleaned_data["name"])
    messages.success(request, renamed)
    name, kwargs = back
    return redirect(name, **kwargs)


def _change_titles_and_back(request, collection: Collection, *, page, back: tuple):
    try:
        _change_titles(request, collection)
    except DomainError as error:
        return page(request, collection, status=error.status, error=error)
    name, kwargs = back
    return _back_to(request, name, **kwargs)


def _render_list(request, form: CollectionForm, status: int = 200):
    library = tenancy.current_library(request)
    return render(
        request,
        "collections/collection_list.html",
        {
            "collections": selectors.library_collections(library),
            "templates": selectors.templates_for_library(library),
            "form": form,
        },
        status=status,
    )


@tenancy.librarian_required
def collection_list(request):
    return _render_list(request, CollectionForm())


@tenancy.librarian_required
@require_POST
def collection_create(request):
    library = tenancy.current_library(request)
    if request.POST.get("template"):
        template = tenancy.get_scoped(selectors.templates_for_library(library), pk=parse_id(request.POST["template"]))
        collection = services.copy_template(library=library, template=template)
        messages.success(request, _("Collection made from the template “%(name)s”.") % {"name": template.name})
        return redirect("staff:collection", collection_id=collection.pk)
    form = CollectionForm(request.POST)
    if not form.is_valid():
        return _render_list(request, form, status=400)
    try:
        collection = services.create_collection(library=library, name=form.cleaned_data["name"])
    except DomainError as error:
        return _render_list(request, form, status=add_to_form(form, error, {error.code: "name"}))
    return redirect("staff:collection", collection_id=collection.pk)


def _render_detail(
    request, collection: Collection, *, form=None, status: int = 200, error: DomainError | None = None, chosen=()
):
    accesses = {access.group_id: access for access in collection.accesses.all()}
    groups = _groups(request).annotate(reader_count=Count("cards")).order_by("name")
    return render(
        request,
        "collections/collection_detail.html",
        {
            "collection": collection,
            "form": form or CollectionForm(instance=collection),
            "groups": [(group, accesses.get(group.pk)) for group in groups],
            "chosen": set(chosen),
            "error": str(error) if error else "",
            **_titles_context(request, collection),
        },
        status=status,
    )


@tenancy.librarian_required
def collection_detail(request, collection_id: int):
    collection = _collection(request, collection_id)
    return _show_or_rename(
        request, collection, page=_render_detail, renamed=_("Collection renamed."), back=_staff_back(collection)
    )


@tenancy.librarian_required
@require_POST
def collection_delete(request, collection_id: int):
    collection = _collection(request, collection_id)
    services.delete(collection=collection)
    messages.success(request, _("Collection “%(name)s” deleted.") % {"name": collection.name})
    return redirect("staff:collections")


@tenancy.librarian_required
@require_POST
def collection_titles(request, collection_id: int):
    collection = _collection(request, collection_id)
    return _change_titles_and_back(request, collection, page=_render_detail, back=_staff_back(collection))


def _staff_back(collection: Collection) -> tuple:
    return "staff:collection", {"collection_id": collection.pk}


@tenancy.librarian_required
@require_POST
def collection_issue(request, collection_id: int):
    """ "Save and issue": the summary first; the confirmed form issues."""
    collection = _collection(request, collection_id)
    group_ids = ids_from(request.POST, "group")
    groups = list(_groups(request).filter(pk__in=group_ids).order_by("name"))
    if len(groups) != len(group_ids):
        raise Http404
    try:
        if request.POST.get("confirm"):
            issued = services.mass_issue(librarian=request.user, collection=collection, groups=groups)
        else:
            plan = services.plan_mass_issue(collection=collection, groups=groups)
            error = plan.error
            return render(
                request,
                "collections/issue_summary.html",
                {"collection": collection, "plan": plan, "error": str(error) if error else ""},
                status=error.status if error else 200,
            )
    except DomainError as error:
        return _render_detail(request, collection, status=error.status, error=error, chosen=group_ids)
    messages.success(
        request,
        ngettext(
            "Issued %(loans)d book to %(readers)d readers; %(credits)d credits spent.",
            "Issued %(loans)d books to %(readers)d readers; %(credits)d credits spent.",
            issued.loans,
        )
        % {"loans": issued.loans, "readers": issued.readers, "credits": issued.credits_spent},
    )
    return redirect("staff:collection", collection_id=collection.pk)


# ---- operator: templates ------------------------------------------------------------------------


def _render_templates(request, form: TemplateForm, status: int = 200):
    return render(
        request,
        "collections/template_list.html",
        {
            "templates": selectors.operator_templates(request.user),
            "platform_templates": selectors.platform_templates_read_only(request.user),
            "form": form,
        },
        status=status,
    )


@tenancy.operator_required
def template_list(request):
    networks = tenancy.operator_networks(request.user)
    if request.method != "POST":
        return _render_templates(request, TemplateForm(networks=networks, platform=request.user.is_superuser))
    form = TemplateForm(request.POST, networks=networks, platform=request.user.is_superuser)
    if not form.is_valid():
        return _render_templates(request, form, status=400)
    template = services.create_template(network=form.cleaned_data["network"], name=form.cleaned_data["name"])
    return redirect("operator:template", template_id=template.pk)


def _render_template(request, template: Collection, *, form=None, status: int = 200, error: DomainError | None = None):
    return render(
        request,
        "collections/template_detail.html",
        {
            "collection": template,
            "form": form or CollectionForm(instance=template),
            "error": str(error) if error else "",
            **_titles_context(request, template),
        },
        status=status,
    )


@tenancy.operator_required
def template_detail(request, template_id: int):
    if request.method != "POST":
        # The platform's templates are shown to operators as they are: every library of theirs may copy them.
        shown = selectors.platform_templates_read_only(request.user).filter(pk=template_id).first()
        if shown is not None:
            context = {"collection": shown, "titles": selectors.titles_of(shown)}
            return render(request, "collections/template_read_only.html", context)
    template = _template(request, template_id)
    return _show_or_rename(
        request, template, page=_render_template, renamed=_("Template renamed."), back=_operator_back(template)
    )


@tenancy.operator_required
@require_POST
def template_delete(request, template_id: int):
    template = _template(request, template_id)
    services.delete(collection=template)
    messages.success(request, _("Template “%(name)s” deleted.") % {"name": template.name})
    return redirect("operator:templates")


@tenancy.operator_required
@require_POST
def template_titles(request, template_id: int):
    template = _template(request, template_id)
    return _change_titles_and_back(request, template, page=_render_template, back=_operator_back(template))


def _operator_back(template: Collection) -> tuple:
    return "operator:template", {"template_id": template.pk}
