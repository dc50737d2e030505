"""The demo catalogue: a few hundred titles, files, paper copies and selections — and running it twice changes
nothing."""

import pytest

from abonement.catalog import fragments, selectors
from abonement.catalog.models import Author, CatalogAccess, Format, Item, Title, TitleAuthor
from abonement.core.demo import load_demo


def snapshot():
    return (
        list(Title.objects.order_by("pk").values_list("pk", "title", "updated_at", "popularity", "content", "price")),
        list(TitleAuthor.objects.order_by("pk").values_list("pk", "title_id", "author_id", "role")),
        list(Item.objects.order_by("pk").values_list("pk", "barcode", "status", "due_date", "library_id")),
        list(CatalogAccess.titles.through.objects.order_by("pk").values_list("pk", "title_id")),
        Author.objects.count(),
    )


@pytest.mark.django_db
def test_demo_catalogue_is_rich_and_idempotent(media):
    data = load_demo()
    school, public, branch = data["libraries"]
    titles = Title.objects.all()
    assert titles.count() >= 250
    assert titles.filter(network__isnull=True, is_free=True, price=0).count() >= 100
    assert titles.filter(network__isnull=True, is_free=False, price=1).count() >= 20
    assert titles.filter(format=Format.AUDIOBOOK).count() >= 5
    assert titles.filter(network=data["network"], format=Format.PAPER).count() >= 25
    assert {"ru", "lv", "en"} <= set(titles.values_list("language", flat=True))
    for name in (
        "Александр Пушкин",
        "Лев Толстой",
        "Антон Чехов",
        "Фёдор Достоевский",
        "Николай Гоголь",
        "Rainis",
        "Aspazija",
        "Rūdolfs Blaumanis",
        "Jānis Poruks",
    ):
        assert Author.objects.filter(name=name).exists(), name
    assert Item.objects.filter(library=public).exists() and Item.objects.filter(library=branch).exists()
    assert Item.objects.filter(status=Item.Status.ON_LOAN, due_date__isnull=False).exists()
    assert Item.objects.filter(status=Item.Status.READING_ROOM).exists()

    daughter = Title.objects.get(control_number="ru-aleksandr-pushkin-kapitanskaya-dochka")
    blocks = fragments.text_fragment(daughter)
    assert blocks[1].text.startswith("Отец мой Андрей Петрович Гринёв")
    audio = Title.objects.filter(format=Format.AUDIOBOOK).exclude(content="").first()
    assert fragments.audio_fragment(audio)[1] == "audio/mpeg"

    assert selectors.lendable_titles(school).count() == 150
    assert selectors.lendable_titles(public).count() == Title.objects.filter(network__isnull=True).count()

    before = snapshot()
    load_demo()
    assert snapshot() == before

    # After a database reset the book files already on disk are used again, not written a second time.
    files = sorted(p.name for p in (media / "private").rglob("*") if p.is_file())
    names = dict(Title.objects.exclude(content="").values_list("pk", "content"))
    Title.objects.update(content="")
    load_demo()
    assert dict(Title.objects.exclude(content="").values_list("pk", "content")) == names
    assert sorted(p.name for p in (media / "private").rglob("*") if p.is_file()) == files
