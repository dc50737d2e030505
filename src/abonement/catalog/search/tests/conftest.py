import pytest

from abonement.catalog.models import Author, Genre, Item, Series, Tag, Title, TitleAuthor
from abonement.catalog.search.indexer import index_titles
from abonement.catalog.search.query import Filters, search


@pytest.fixture
def add_title(db, network_factory):
    """Create a title with its authors, series, tags, genres (and items for paper) and index it, as the
    catalogue's services do."""
    networks = {}

    def add(
        title,
        *,
        authors=(),
        series="",
        tags=(),
        genres=(),
        items=(),
        index=True,
        **fields,
    ):
        fields.setdefault("language", "ru")
        if fields.get("is_free"):
            fields.setdefault("price", 0)
        if fields.get("format") == "paper" and "network" not in fields:
            fields["network"] = networks.setdefault("paper", network_factory())
        if series:
            fields["series"] = Series.objects.get_or_create(name=series)[0]
        obj = Title.objects.create(title=title, **fields)
        for position, name in enumerate(authors):
            author = Author.objects.filter(name=name).first() or Author.objects.create(
                name=name, sort_name=", ".join(reversed(name.rsplit(" ", 1)))
            )
            TitleAuthor.objects.create(title=obj, author=author, position=position)
        obj.tags.set([Tag.objects.get_or_create(name=t)[0] for t in tags])
        obj.genres.set([Genre.objects.get_or_create(name=g)[0] for g in genres])
        for n, (library, status) in enumerate(items):
            Item.objects.create(title=obj, library=library, barcode=f"{obj.pk}-{n}", status=status)
        if index:
            index_titles([obj.pk])
        return obj

    return add


@pytest.fixture
def found():
    """Titles (as their title text) found for a query, best first."""

    def run(text, **filters):
        results = search(text, Filters(**filters))
        return [title.title for title in results.titles]

    return run
