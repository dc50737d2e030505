"""Catalogue reads used by more than one caller: what a viewer may see, what a library may lend, lists."""

from django.db.models import Prefetch, QuerySet

from abonement.catalog.models import CatalogAccess, Title, TitleAuthor


def visible_titles(user=None) -> QuerySet[Title]:
    """Titles anyone may look at: the shared digital catalogue and every network's union catalogue of paper
    books (public, as a library's OPAC is; SPEC C4, seed 004). Lending rules decide who may *take* what."""
    return Title.objects.all()


def with_authors(queryset: QuerySet[Title]) -> QuerySet[Title]:
    """Titles with their author links (and authors) fetched in one more query, in credit order."""
    return queryset.select_related("series").prefetch_related(
        Prefetch(
            "titleauthor_set",
            queryset=TitleAuthor.objects.select_related("author").order_by("position", "id"),
            to_attr="credits",
        )
    )


def shared_titles() -> QuerySet[Title]:
    return Title.objects.filter(network__isnull=True)


def lendable_titles(library) -> QuerySet[Title]:
    """The part of the shared catalogue `library` may lend (SPEC T3): all of it or the operator's selection.
    A library the operator has not restricted lends the whole shared catalogue."""
    access = CatalogAccess.objects.filter(library=library).first()
    if access is None or access.whole_catalog:
        return shared_titles()
    return shared_titles().filter(pk__in=access.titles.through.objects.filter(catalogaccess=access).values("title_id"))


def may_lend(library, title: Title) -> bool:
    if title.network_id is not None:
        return title.network_id == library.network_id
    return lendable_titles(library).filter(pk=title.pk).exists()
