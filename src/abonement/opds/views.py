"""OPDS 1.2 and 2.0 feeds of a library for reading apps (SPEC I3): browse, search, the reader's shelf, borrow.

Thin: each view gathers titles with a bounded number of queries, describes a Feed and `_answer` writes it as
Atom or JSON. Public feeds are the same for everyone and carry ETag/Last-Modified; the shelf and borrow are the
reader's own (HTTP Basic, opds/auth.py) and are never stored by a cache. A DomainError of the lending services
becomes a problem document in `opds_errors`, the one place.
"""

import functools
import hashlib
import json
from datetime import UTC, datetime

from django.db.models import Max, Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from abonement.catalog import selectors
from abonement.catalog.models import Author, Format, Genre, Series, Title
from abonement.catalog.search import query as search_query
from abonement.circulation.models import Hold, Loan
from abonement.core.errors import DomainError
from abonement.libraries.models import Library
from abonement.opds import atom, auth, borrow, feeds, links, opds2
from abonement.opds.feeds import Availability, Entry, Feed, Link

PER_PAGE = 50
MAX_PAGE = 10_000
ORDERS = {"new": ("-created_at", "-id"), "popular": ("-popularity", "id"), "title": ("title", "id")}
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _order_label(order: str) -> str:
    return {"new": _("New"), "popular": _("Popular"), "title": _("By title")}[order]


# ---- answering ------------------------------------------------------------------------------------------------


def _problem(*, status: int, title: str, detail: str, code: str) -> HttpResponse:
    body = {"type": f"urn:abonement:problem:{code}", "title": title, "status": status, "detail": detail}
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=feeds.PROBLEM)
    patch_cache_control(response, private=True, no_store=True)
    return response


def opds_errors(view):
    """Turn what the services refuse into problem documents, and missing or wrong credentials into 401."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except auth.CredentialsNeeded as error:
            response = _problem(status=401, title=_("Sign in"), detail=str(error), code=error.code)
            response["WWW-Authenticate"] = auth.challenge(error.library)
            response["Link"] = (
                f"<{request.build_absolute_uri(reverse('opds:authentication', args=[error.library.pk]))}>; "
                f'rel="{feeds.REL_AUTHENTICATION}"; type="{feeds.AUTHENTICATION}"'
            )
            return response
        except DomainError as error:
            return _problem(status=error.status, title=_("Not done"), detail=str(error), code=error.code)

    return wrapper


def _written(feed: Feed, version: int) -> tuple[bytes, str]:
    if version == 2:
        return json.dumps(opds2.render(feed), ensure_ascii=False).encode(), feeds.OPDS2
    return atom.render(feed), links.feed_type(feed.kind, 1)


def _public(request, body: bytes, content_type: str, updated: datetime) -> HttpResponse:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    last_modified = int(updated.timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=300)
    return response


def _private(body: bytes, content_type: str, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type, status=status)
    patch_cache_control(response, private=True, no_store=True)
    return response


# ---- building feeds -------------------------------------------------------------------------------------------


def _library(library_id: int) -> Library:
    return get_object_or_404(Library, pk=library_id)


def _page_number(request) -> int:
    try:
        return min(max(1, int(request.GET.get("page", 1))), MAX_PAGE)
    except ValueError:
        return 1


def _catalog_updated() -> datetime:
    """When the catalogue last grew: what navigation feeds report as their `updated` (indexed, one row)."""
    return Title.objects.aggregate(newest=Max("created_at"))["newest"] or EPOCH


def _base_links(request, library: Library, version: int, name: str, **kwargs) -> list[Link]:
    url = functools.partial(links.feed_url, request, library_id=library.pk, version=version)
    navigation = links.feed_type("navigation", version)
    twin = 2 if version == 1 else 1
    return [
        Link(href=url(name, **kwargs), rel="self", type=navigation),
        Link(href=url("root"), rel="start", type=navigation),
        Link(
            href=links.feed_url(request, name, library_id=library.pk, version=twin, **kwargs),
            rel="alternate",
            type=links.feed_type("navigation", twin),
        ),
        Link(
            href=request.build_absolute_uri(reverse("opds:opensearch", args=[library.pk])),
            rel="search",
            type=feeds.OPENSEARCH,
        ),
        Link(href=url("shelf"), rel=feeds.REL_SHELF, type=links.feed_type("acquisition", version)),
        Link(
            href=request.build_absolute_uri(reverse("opds:authentication", args=[library.pk])),
            rel=feeds.REL_AUTHENTICATION,
            type=feeds.AUTHENTICATION,
        ),
    ]


def _with_self_type(feed_links: list[Link], kind: str, version: int) -> list[Link]:
    """The self link says what this feed is (navigation or acquisition)."""
    self_link = feed_links[0]
    return [Link(href=self_link.href, rel="self", type=links.feed_type(kind, version)), *feed_links[1:]]


def _paging(request, library, version, name, page, has_next, **kwargs) -> list[Link]:
    kind_type = links.feed_type("acquisition", version)
    params = {key: value for key, value in request.GET.items() if key != "page"}
    paging = []
    for rel, number, wanted in (("previous", page - 1, page > 1), ("next", page + 1, has_next)):
        if wanted:
            query = urlencode({**params, "page": number})
            href = links.feed_url(request, name, library_id=library.pk, version=version, query=query, **kwargs)
            paging.append(Link(href=href, rel=rel, type=kind_type))
    return paging


def _publication(request, library, title: Title, version: int, *, availability=None, borrowed=False) -> Entry:
    credits = getattr(title, "credits", [])
    return Entry(
        id=links.title_id(title),
        title=title.title,
        updated=title.updated_at,
        links=links.publication_links(request, library_id=library.pk, title=title, borrowed=borrowed, version=version),
        authors=[credit.author.name for credit in credits if not credit.role],
        summary=title.description,
        language=title.language,
        publisher=title.publisher,
        issued=title.year,
        identifier=f"urn:isbn:{title.isbn}" if title.isbn else "",
        genres=[genre.name for genre in title.genres.all()],
        series=title.series.name if title.series_id else "",
        series_position=title.series_number,
        kind="audiobook" if title.format == Format.AUDIOBOOK else "book",
        availability=availability,
    )


def _listed(queryset):
    """Titles with their authors, series and genres: three queries whatever the page size."""
    return selectors.with_authors(queryset).prefetch_related(
        Prefetch("genres", queryset=Genre.objects.order_by("name"))
    )


def _acquisition(request, library, version, *, name, title, titles, facets=True, **kwargs) -> HttpResponse:
    page = _page_number(request)
    order = request.GET.get("order") if facets and request.GET.get("order") in ORDERS else None
    ordering = ORDERS[order or ("title" if facets else name)]
    start = (page - 1) * PER_PAGE
    rows = list(_listed(titles.order_by(*ordering))[start : start + PER_PAGE + 1])
    has_next = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    updated = max((row.updated_at for row in rows), default=EPOCH)
    feed_links = _with_self_type(_base_links(request, library, version, name, **kwargs), "acquisition", version)
    feed_links += _paging(request, library, version, name, page, has_next, **kwargs)
    if facets:
        for key in ORDERS:
            href = links.feed_url(
                request, name, library_id=library.pk, version=version, query=urlencode({"order": key}), **kwargs
            )
            feed_links.append(
                Link(
                    href=href,
                    rel=feeds.REL_FACET,
                    type=links.feed_type("acquisition", version),
                    title=_order_label(key),
                    facet_group=_("Order"),
                    active=key == (order or "title"),
                )
            )
    feed = Feed(
        id=f"urn:abonement:opds:{library.pk}:{name}:{'-'.join(map(str, kwargs.values()))}",
        title=title,
        updated=updated,
        kind="acquisition",
        links=feed_links,
        entries=[_publication(request, library, row, version) for row in rows],
        page=page,
        per_page=PER_PAGE,
    )
    return _public(request, *_written(feed, version), updated)


def _navigation(request, library, version, *, name, title, entries: list[Entry], page=1, has_next=False):
    updated = _catalog_updated()
    feed_links = _base_links(request, library, version, name)
    feed_links += _paging(request, library, version, name, page, has_next)
    feed = Feed(
        id=f"urn:abonement:opds:{library.pk}:{name}",
        title=title,
        updated=updated,
        kind="navigation",
        links=feed_links,
        entries=entries,
        page=page,
        per_page=PER_PAGE if name != "root" else 0,
    )
    return _public(request, *_written(feed, version), updated)


def _navigation_entry(
    request, library, version, *, key: str, title: str, name: str, kind: str, rel: str = "subsection", **kwargs
) -> Entry:
    href = links.feed_url(request, name, library_id=library.pk, version=version, **kwargs)
    return Entry(
        id=f"urn:abonement:opds:{library.pk}:{key}",
        title=title,
        updated=EPOCH,
        links=[Link(href=href, rel=rel, type=links.feed_type(kind, version))],
    )


# ---- public feeds ---------------------------------------------------------------------------------------------


@require_GET
def libraries(request, version: int):
    """Discovery: the site's feeds, one per library; every HTML page links here."""
    rows = list(Library.objects.order_by("name", "id").only("id", "name"))
    entries = [
        Entry(
            id=f"urn:abonement:opds:{library.pk}",
            title=library.name,
            updated=EPOCH,
            links=[
                Link(
                    href=links.feed_url(request, "root", library_id=library.pk, version=version),
                    rel="subsection",
                    type=links.feed_type("navigation", version),
                )
            ],
        )
        for library in rows
    ]
    own = "opds:libraries" if version == 1 else "opds:libraries_v2"
    twin = "opds:libraries_v2" if version == 1 else "opds:libraries"
    feed = Feed(
        id="urn:abonement:opds",
        title=_("Libraries"),
        updated=EPOCH,
        kind="navigation",
        links=[
            Link(
                href=request.build_absolute_uri(reverse(own)), rel="self", type=links.feed_type("navigation", version)
            ),
            Link(
                href=request.build_absolute_uri(reverse(own)), rel="start", type=links.feed_type("navigation", version)
            ),
            Link(
                href=request.build_absolute_uri(reverse(twin)),
                rel="alternate",
                type=links.feed_type("navigation", 2 if version == 1 else 1),
            ),
        ],
        entries=entries,
    )
    return _public(request, *_written(feed, version), EPOCH)


@require_GET
def root(request, library_id: int, version: int):
    library = _library(library_id)
    sections = [
        ("new", _("New"), "new", "acquisition", feeds.REL_SORT_NEW),
        ("popular", _("Popular"), "popular", "acquisition", feeds.REL_SORT_POPULAR),
        ("genres", _("Genres"), "genres", "navigation", "subsection"),
        ("series", _("Series"), "series_list", "navigation", "subsection"),
        ("authors", _("Authors"), "authors", "navigation", "subsection"),
        ("shelf", _("My books"), "shelf", "acquisition", feeds.REL_SHELF),
    ]
    entries = [
        _navigation_entry(request, library, version, key=key, title=str(title), name=name, kind=kind, rel=rel)
        for key, title, name, kind, rel in sections
    ]
    return _navigation(request, library, version, name="root", title=library.name, entries=entries)


@require_GET
def browse(request, library_id: int, version: int, section: str):
    library = _library(library_id)
    return _acquisition(
        request,
        library,
        version,
        name=section,
        title=_order_label(section),
        titles=selectors.lendable_titles(library),
        facets=False,
    )


def _named_list(request, library, version, *, name, title, model, order_by, target, prefix):
    page = _page_number(request)
    start = (page - 1) * PER_PAGE
    rows = list(model.objects.order_by(*order_by).only("id", "name")[start : start + PER_PAGE + 1])
    entries = [
        _navigation_entry(
            request,
            library,
            version,
            key=f"{prefix}:{row.pk}",
            title=row.name,
            name=target,
            kind="acquisition",
            **{f"{prefix}_id": row.pk},
        )
        for row in rows[:PER_PAGE]
    ]
    return _navigation(
        request, library, version, name=name, title=title, entries=entries, page=page, has_next=len(rows) > PER_PAGE
    )


@require_GET
def genres(request, library_id: int, version: int):
    library = _library(library_id)
    return _named_list(
        request,
        library,
        version,
        name="genres",
        title=_("Genres"),
        model=Genre,
        order_by=("name",),
        target="genre",
        prefix="genre",
    )


@require_GET
def series_list(request, library_id: int, version: int):
    library = _library(library_id)
    return _named_list(
        request,
        library,
        version,
        name="series_list",
        title=_("Series"),
        model=Series,
        order_by=("name", "id"),
        target="series",
        prefix="series",
    )


@require_GET
def authors(request, library_id: int, version: int):
    library = _library(library_id)
    return _named_list(
        request,
        library,
        version,
        name="authors",
        title=_("Authors"),
        model=Author,
        order_by=("sort_name", "id"),
        target="author",
        prefix="author",
    )


@require_GET
def genre(request, library_id: int, version: int, genre_id: int):
    library = _library(library_id)
    row = get_object_or_404(Genre, pk=genre_id)
    titles = selectors.lendable_titles(library).filter(genres=row)
    return _acquisition(request, library, version, name="genre", title=row.name, titles=titles, genre_id=row.pk)


@require_GET
def series(request, library_id: int, version: int, series_id: int):
    library = _library(library_id)
    row = get_object_or_404(Series, pk=series_id)
    titles = selectors.lendable_titles(library).filter(series=row)
    return _acquisition(request, library, version, name="series", title=row.name, titles=titles, series_id=row.pk)


@require_GET
def author(request, library_id: int, version: int, author_id: int):
    library = _library(library_id)
    row = get_object_or_404(Author, pk=author_id)
    titles = selectors.lendable_titles(library).filter(titleauthor__author=row).distinct()
    return _acquisition(request, library, version, name="author", title=row.name, titles=titles, author_id=row.pk)


@require_GET
def opensearch(request, library_id: int):
    library = _library(library_id)
    template = links.feed_url(request, "search", library_id=library.pk, version=1) + "?q={searchTerms}"
    body = atom.opensearch_description(
        short_name=library.name,
        description=_("Search the catalogue of %(library)s") % {"library": library.name},
        template=template,
    )
    return _public(request, body, feeds.OPENSEARCH, EPOCH)


@require_GET
def search(request, library_id: int, version: int):
    """The catalogue search of the web (catalog.search), the titles this library lends, in feed form."""
    library = _library(library_id)
    typed = request.GET.get("q", "").strip()
    page = _page_number(request)
    results = search_query.search(typed, search_query.Filters(format=""), page=page)
    lendable = set(
        selectors.lendable_titles(library)
        .filter(pk__in=[row.pk for row in results.titles])
        .values_list("pk", flat=True)
    )
    rows = [row for row in results.titles if row.pk in lendable]
    # The search already loaded `credits` and series; genres are one more query.
    prefetch_related_objects(rows, Prefetch("genres", queryset=Genre.objects.order_by("name")))
    updated = max((row.updated_at for row in rows), default=EPOCH)
    feed_links = _with_self_type(_base_links(request, library, version, "search"), "acquisition", version)
    feed_links[0] = Link(href=request.build_absolute_uri(), rel="self", type=links.feed_type("acquisition", version))
    feed_links += _paging(request, library, version, "search", results.page, results.page < results.pages)
    feed = Feed(
        id=f"urn:abonement:opds:{library.pk}:search",
        title=_("Search: %(query)s") % {"query": typed} if typed else _("Search"),
        updated=updated,
        kind="acquisition",
        links=feed_links,
        entries=[_publication(request, library, row, version) for row in rows],
        page=results.page,
        per_page=search_query.PAGE_SIZE,
        total=results.total,
    )
    return _public(request, *_written(feed, version), updated)


@require_GET
def authentication(request, library_id: int):
    """The OPDS Authentication Document: how an app signs in (HTTP Basic, card number or e-mail)."""
    library = _library(library_id)
    body = auth.authentication_document(request, library)
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type=feeds.AUTHENTICATION)
    patch_cache_control(response, public=True, max_age=3600)
    return response


# ---- the reader's own -----------------------------------------------------------------------------------------


@require_GET
@opds_errors
def shelf(request, library_id: int, version: int):
    """Current loans (with where to read them) and places in queues of the signed-in reader at this library."""
    library = _library(library_id)
    user = auth.basic_user(request, library)
    loans = list(
        Loan.objects.filter(card__user=user, library=library, ended_at__isnull=True).order_by("-started_at", "-id")
    )
    holds = list(
        Hold.objects.filter(card__user=user, library=library, status=Hold.Status.WAITING).order_by("created_at", "id")
    )
    titles = {row.pk: row for row in _listed(Title.objects.filter(pk__in={x.title_id for x in loans + holds}))}
    entries = [
        _publication(
            request,
            library,
            titles[loan.title_id],
            version,
            borrowed=True,
            availability=Availability("available", since=loan.started_at, until=loan.due_at),
        )
        for loan in loans
    ]
    entries += [
        _publication(
            request,
            library,
            titles[hold.title_id],
            version,
            availability=Availability("reserved", since=hold.created_at),
        )
        for hold in holds
    ]
    feed_links = _with_self_type(_base_links(request, library, version, "shelf"), "acquisition", version)
    feed = Feed(
        id=f"urn:abonement:opds:{library.pk}:shelf:{user.pk}",
        title=_("My books"),
        updated=max((entry.updated for entry in entries), default=EPOCH),
        kind="acquisition",
        links=feed_links,
        entries=entries,
    )
    return _private(*_written(feed, version))


@csrf_exempt  # an app's request with HTTP Basic credentials; never authenticated by the session cookie
@require_http_methods(["GET", "POST"])
@opds_errors
def borrow_title(request, library_id: int, version: int, title_id: int):
    """Borrow as the web's take does, or join the queue or ask the librarian; answer with the entry's status."""
    library = _library(library_id)
    user = auth.basic_user(request, library)
    title = get_object_or_404(Title, pk=title_id)
    if title.is_paper:
        raise Http404
    outcome = borrow.borrow(user=user, library=library, title=title)
    row = _listed(Title.objects.filter(pk=title.pk)).get()
    entry = _publication(
        request, library, row, version, borrowed=outcome.loan is not None, availability=outcome.availability
    )
    status = 201 if outcome.created else 200
    if version == 2:
        return _private(
            json.dumps(opds2.render_publication(entry), ensure_ascii=False).encode(),
            feeds.OPDS2_PUBLICATION,
            status=status,
        )
    return _private(atom.render_entry(entry), feeds.ENTRY, status=status)
