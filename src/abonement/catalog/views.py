"""Book, author, series and genre pages, browsing, fragments (open to anyone), catalogue import (staff,
operators) and each library's part of the shared catalogue (operators). Search lives in catalog/search/."""

from django.conf.locale import LANG_INFO
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from abonement.catalog import fragments, selectors, services
from abonement.catalog.forms import (
    GenreForm,
    ImportForm,
    IsbnListForm,
    OperatorImportForm,
    TagForm,
    WholeCatalogForm,
)
from abonement.catalog.importers import ImportInterrupted, NotACatalogFile
from abonement.catalog.models import Author, CatalogAccess, Format, Genre, Series, TitleAuthor
from abonement.circulation import selectors as circulation_selectors
from abonement.circulation.views import title_actions
from abonement.core import tenancy
from abonement.core.errors import DomainError
from abonement.reading import selectors as reading_selectors

PER_PAGE = 24
ERRORS_SHOWN = 500
BROWSE = {
    "new": (gettext_lazy("New"), ("-created_at", "-id")),
    "popular": (gettext_lazy("Popular"), ("-popularity", "id")),
    "free": (gettext_lazy("Free"), ("title", "id")),
}


def _page(request, queryset):
    return Paginator(selectors.with_authors(queryset), PER_PAGE).get_page(request.GET.get("page"))


def _language_name(code: str) -> str:
    info = LANG_INFO.get(code)
    return gettext_lazy(info["name"]) if info else code


# ---- Public pages -------------------------------------------------------------------------------


@require_GET
def title_detail(request, title_id: int):
    title = get_object_or_404(
        selectors.visible_titles(request.user).select_related("series", "network", "network__buy_link"), pk=title_id
    )
    credits = list(TitleAuthor.objects.filter(title=title).select_related("author").order_by("position", "id"))
    item_groups = circulation_selectors.items_view(title, user=request.user) if title.is_paper else []
    context = {
        "title": title,
        "authors": [c for c in credits if not c.role],
        "contributors": [c for c in credits if c.role],
        "genres": list(title.genres.all()),
        "tags": list(title.tags.all()),
        "item_groups": item_groups,
        "has_fragment": fragments.has_fragment(title),
        "language_name": _language_name(title.language),
        **reading_selectors.book_page(request.user, title),
        **title_actions(request, title),
    }
    return render(request, "catalog/title.html", context)


@require_GET
def fragment(request, title_id: int):
    title = get_object_or_404(selectors.visible_titles(request.user), pk=title_id)
    if title.format == Format.AUDIOBOOK:
        fragments.audio_type(title)  # NoFragment (404) when there is nothing to play
        return render(request, "catalog/listen.html", {"title": title, "seconds": 180})
    blocks = fragments.text_fragment(title)
    return render(request, "catalog/fragment.html", {"title": title, "blocks": blocks})


@require_GET
def fragment_audio(request, title_id: int):
    title = get_object_or_404(selectors.visible_titles(request.user), pk=title_id)
    data, content_type = fragments.audio_fragment(title)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def author_detail(request, author_id: int):
    author = get_object_or_404(Author, pk=author_id)
    titles = (
        selectors.visible_titles(request.user).filter(titleauthor__author=author).distinct().order_by("title", "id")
    )
    return render(request, "catalog/author.html", {"author": author, "page": _page(request, titles)})


@require_GET
def series_detail(request, series_id: int):
    series = get_object_or_404(Series, pk=series_id)
    titles = selectors.visible_titles(request.user).filter(series=series).order_by("series_number", "title", "id")
    return render(request, "catalog/series.html", {"series": series, "page": _page(request, titles)})


@require_GET
def genre_detail(request, genre_id: int):
    genre = get_object_or_404(Genre, pk=genre_id)
    titles = selectors.visible_titles(request.user).filter(genres=genre).order_by("title", "id")
    return render(request, "catalog/genre.html", {"genre": genre, "page": _page(request, titles)})


@require_GET
def browse(request, section: str):
    if section not in BROWSE:
        raise Http404
    label, ordering = BROWSE[section]
    titles = selectors.visible_titles(request.user)
    if section == "free":
        titles = titles.filter(is_free=True)
    context = {
        "section": section,
        "label": label,
        "sections": [(key, value[0]) for key, value in BROWSE.items()],
        "page": _page(request, titles.order_by(*ordering)),
    }
    return render(request, "catalog/browse.html", context)


# ---- Import -------------------------------------------------------------------------------------


def _run_import(request, form, template, context, *, target):
    """Import the uploaded file and render the report; 400 with the reason when the file is not one."""
    report = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                report = services.import_catalog_file(
                    form.cleaned_data["file"],
                    format=form.cleaned_data["format"] or None,
                    actor=request.user,
                    **target(form),
                )
            except NotACatalogFile as error:
                form.add_error("file", str(error))
                status = error.status
            except ImportInterrupted as error:
                form.add_error(None, str(error))
                report, status = error.report, error.status
            else:
                status = 200 if report.imported or not report.failed else 400
    context.update(
        {
            "form": form,
            "report": report,
            "errors": report.errors[:ERRORS_SHOWN] if report else [],
            "errors_hidden": max(0, len(report.errors) - ERRORS_SHOWN) if report else 0,
            "warnings": report.warnings[:ERRORS_SHOWN] if report else [],
        }
    )
    return render(request, template, context, status=status)


@tenancy.librarian_required
def staff_import(request):
    """Librarians import paper books into their network's catalogue, items into their library (or another
    library of theirs that a row names)."""
    library = tenancy.current_library(request)
    libraries = tenancy.staff_libraries(request.user).filter(network=library.network_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    return _run_import(
        request,
        form,
        "catalog/import.html",
        {"library": library, "area": "staff"},
        target=lambda form: {"network": library.network, "library": library, "libraries": list(libraries)},
    )


@tenancy.operator_required
def operator_import(request):
    """Operators import their networks' paper books; the platform admin also the shared digital catalogue."""
    networks = list(tenancy.operator_networks(request.user).order_by("name"))
    libraries = tenancy.operator_libraries(request.user).select_related("network").order_by("network__name", "name")
    shared = services.may_import_shared(request.user)
    form = OperatorImportForm(
        request.POST or None, request.FILES or None, networks=networks, libraries=libraries, shared=shared
    )
    return _run_import(
        request,
        form,
        "catalog/import.html",
        {"area": "operator", "shared": shared},
        target=lambda form: {"network": form.cleaned_data["network"], "library": form.cleaned_data.get("library")},
    )


# ---- A library's part of the shared catalogue (operators) ---------------------------------------


def _selection_page(request, library, forms, status=200):
    access = CatalogAccess.objects.filter(library=library).annotate(selected=Count("titles")).first()
    shared = selectors.shared_titles()
    selected_titles = shared.filter(
        pk__in=CatalogAccess.titles.through.objects.filter(catalogaccess__library=library).values("title_id")
    ).order_by("title", "id")
    context = {
        "library": library,
        "access": access,
        "whole": bool(access and access.whole_catalog),
        "selected_count": access.selected if access else 0,
        "shared_count": shared.count(),
        "lendable_count": selectors.lendable_titles(library).count(),
        "page": _page(request, selected_titles),
        **forms,
    }
    return render(request, "catalog/catalog_access.html", context, status=status)


def _report_change(request, change: services.SelectionChange, done: str) -> None:
    messages.success(request, done % {"count": change.changed})
    if change.not_found:
        messages.warning(
            request,
            _("Not in the shared catalogue: %(isbns)s") % {"isbns": ", ".join(change.not_found[:50])}
            + (" …" if len(change.not_found) > 50 else ""),
        )


@tenancy.operator_required
def catalog_access(request, library_id: int):
    library = tenancy.get_scoped(tenancy.operator_libraries(request.user).select_related("network"), pk=library_id)
    access = CatalogAccess.objects.filter(library=library).first()
    forms = {
        "scope_form": WholeCatalogForm(initial={"whole_catalog": "1" if access and access.whole_catalog else "0"}),
        "add_form": IsbnListForm(prefix="add"),
        "remove_form": IsbnListForm(prefix="remove"),
        "genre_form": GenreForm(prefix="genre"),
        "tag_form": TagForm(prefix="tag"),
    }
    if request.method != "POST":
        return _selection_page(request, library, forms)

    action = request.POST.get("action")
    try:
        if action == "scope":
            form = forms["scope_form"] = WholeCatalogForm(request.POST)
            if form.is_valid():
                services.set_whole_catalog(
                    library=library, whole=form.cleaned_data["whole_catalog"], actor=request.user
                )
                messages.success(request, _("Saved."))
                return redirect("operator:catalog_access", library_id=library.pk)
        elif action in ("add", "remove"):
            form = forms[f"{action}_form"] = IsbnListForm(request.POST, prefix=action)
            if form.is_valid():
                isbns, invalid = services.parse_isbns(form.cleaned_data["isbns"])
                if invalid:
                    form.add_error(
                        "isbns",
                        _("These are not ISBNs of 10 or 13 digits: %(tokens)s") % {"tokens": ", ".join(invalid[:20])},
                    )
                else:
                    if action == "add":
                        change = services.add_by_isbn(library=library, isbns=isbns, actor=request.user)
                        _report_change(request, change, _("%(count)d titles added to the selection."))
                    else:
                        change = services.remove_by_isbn(library=library, isbns=isbns, actor=request.user)
                        _report_change(request, change, _("%(count)d titles removed from the selection."))
                    return redirect("operator:catalog_access", library_id=library.pk)
        elif action == "genre":
            form = forms["genre_form"] = GenreForm(request.POST, prefix="genre")
            if form.is_valid():
                change = services.add_by_genre(library=library, genre=form.cleaned_data["genre"], actor=request.user)
                _report_change(request, change, _("%(count)d titles added to the selection."))
                return redirect("operator:catalog_access", library_id=library.pk)
        elif action == "tag":
            form = forms["tag_form"] = TagForm(request.POST, prefix="tag")
            if form.is_valid():
                change = services.add_by_tag(library=library, name=form.cleaned_data["tag"], actor=request.user)
                _report_change(request, change, _("%(count)d titles added to the selection."))
                return redirect("operator:catalog_access", library_id=library.pk)
        elif action == "clear":
            removed = services.clear_selection(library=library, actor=request.user)
            messages.success(request, _("%(count)d titles removed from the selection.") % {"count": removed})
            return redirect("operator:catalog_access", library_id=library.pk)
        else:
            messages.error(request, _("Unknown action: choose one of the forms on this page."))
    except DomainError as error:
        messages.error(request, str(error))
        return _selection_page(request, library, forms, status=error.status)
    return _selection_page(request, library, forms, status=400)
