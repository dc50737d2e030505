import datetime

import pytest

from abonement.catalog.epub import make_epub
from abonement.catalog.models import Author, Genre, Item, Series, Tag, Title, TitleAuthor


@pytest.fixture
def media(settings, tmp_path):
    """MEDIA_ROOT (and so the private content storage next to it) in a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def make_title(db):
    def make(title="Война и мир", *, authors=("Лев Толстой",), genres=(), tags=(), **fields):
        fields.setdefault("language", "ru")
        if fields.get("is_free"):
            fields.setdefault("price", 0)
        obj = Title.objects.create(title=title, **fields)
        for position, name in enumerate(authors):
            author = Author.objects.filter(name=name).first() or Author.objects.create(
                name=name, sort_name=", ".join(reversed(name.rsplit(" ", 1)))
            )
            TitleAuthor.objects.create(title=obj, author=author, position=position)
        obj.genres.set([Genre.objects.get_or_create(name=g)[0] for g in genres])
        obj.tags.set([Tag.objects.get_or_create(name=t)[0] for t in tags])
        return obj

    return make


@pytest.fixture
def paper_title(make_title, library_factory, network_factory):
    network = network_factory(name="Aizkraukles novads")
    central = library_factory(network=network, name="Aizkraukles bibliotēka")
    branch = library_factory(network=network, name="Kokneses filiāle", parent=central)
    title = make_title(
        "Mērnieku laiki", authors=("Reinis Kaudzīte", "Matīss Kaudzīte"), network=network, format="paper", price=0
    )
    Item.objects.create(title=title, library=central, barcode="A-1", fund="Abonements", shelf_mark="84 K22")
    Item.objects.create(
        title=title,
        library=central,
        barcode="A-2",
        fund="Abonements",
        shelf_mark="84 K22",
        status=Item.Status.ON_LOAN,
        due_date=datetime.date(2026, 12, 3),
    )
    Item.objects.create(
        title=title,
        library=branch,
        barcode="A-3",
        fund="Lasītava",
        shelf_mark="84 K22",
        status=Item.Status.READING_ROOM,
        reservable_online=False,
    )
    return title


def book(title="Grāmata", chapters=10, paragraphs=5, language="lv") -> bytes:
    """An EPUB whose paragraphs say where they are ("c3p2"), so tests can see what a fragment holds."""
    return make_epub(
        identifier=f"urn:test:{title}",
        title=title,
        author="Tests",
        language=language,
        chapters=[
            (f"Nodaļa {c}", [f"c{c}p{p} " + "teksts " * 20 for p in range(1, paragraphs + 1)])
            for c in range(1, chapters + 1)
        ],
    )


@pytest.fixture
def series(db):
    return Series.objects.create(name="Sherlock Holmes")
