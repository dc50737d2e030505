"""Reads of collections for staff and operator pages."""

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from abonement.catalog.models import Title
from abonement.catalog.search import query as search
from abonement.catalog.selectors import with_authors
from abonement.collections.models import Collection, CollectionGroup, CollectionTitle
from abonement.core import tenancy

FOUND_AT_MOST = 20


def library_collections(library) -> QuerySet[Collection]:
    """The library's collections with their book counts and the groups they were issued to (one more query)."""
    return (
        Collection.objects.filter(library=library)
        .annotate(book_count=Count("entries", distinct=True))
        .prefetch_related(
            Prefetch("accesses", CollectionGroup.objects.select_related("group").order_by("group__name", "id"))
        )
    )


def collections_for_group(group) -> QuerySet[Collection]:
    """The library's collections, each with when it was last issued to `group` (`issued_at`, None if never)."""
    access = CollectionGroup.objects.filter(collection=OuterRef("pk"), group=group)
    return (
        Collection.objects.filter(library=group.library_id)
        .annotate(book_count=Count("entries"), issued_at=Subquery(access.values("issued_at")[:1]))
        .order_by("name", "id")
    )


def _templates(where: Q) -> QuerySet[Collection]:
    return (
        Collection.objects.filter(where, library__isnull=True)
        .select_related("network")
        .annotate(book_count=Count("entries"))
        .order_by("network__name", "name", "id")
    )


def templates_for_library(library) -> QuerySet[Collection]:
    """The templates a library may copy: its network's and the platform's."""
    return _templates(Q(network=library.network_id) | Q(network__isnull=True))


def operator_templates(user) -> QuerySet[Collection]:
    """The templates `user` manages: their networks'; the platform admin's also the platform's."""
    return _templates(_managed(user))


def platform_templates_read_only(user) -> QuerySet[Collection]:
    """The platform's templates an operator may look at but not change (the platform admin manages them)."""
    if user.is_superuser:
        return Collection.objects.none()
    return _templates(Q(network__isnull=True))


def _managed(user) -> Q:
    where = Q(network__in=tenancy.operator_networks(user))
    return where | Q(network__isnull=True) if user.is_superuser else where


def titles_of(collection: Collection) -> list[Title]:
    """The collection's books in order, with their authors."""
    order = {
        title_id: position
        for position, title_id in enumerate(
            CollectionTitle.objects.filter(collection=collection).values_list("title_id", flat=True)
        )
    }
    titles = with_authors(Title.objects.filter(pk__in=order))
    return sorted(titles, key=lambda title: order[title.pk])


def find_titles(text: str, *, exclude: Collection) -> list[Title]:
    """Shared-catalogue titles matching `text` (the catalogue's search), best first, not yet in the collection."""
    ids = search.search(text).ids
    present = set(CollectionTitle.objects.filter(collection=exclude).values_list("title_id", flat=True))
    ranked = [title_id for title_id in ids if title_id not in present]
    by_id = {
        title.pk: title
        for title in with_authors(Title.objects.filter(pk__in=ranked[: FOUND_AT_MOST * 3], network__isnull=True))
    }
    return [by_id[title_id] for title_id in ranked if title_id in by_id][:FOUND_AT_MOST]
