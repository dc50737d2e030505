from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from abonement.catalog.epub import make_epub, silent_mp3
from abonement.circulation import services as circulation
from abonement.testing.factories import TEST_PASSWORD


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": user.username, "password": TEST_PASSWORD}).status_code == 302
    return client


def epub(chapters: int = 6) -> bytes:
    return make_epub(
        identifier="urn:test:reader",
        title="Lasāmgrāmata",
        author="Tests",
        language="lv",
        chapters=[
            (f"Nodaļa {c}", [f"c{c}p{p} " + "teksts " * 60 for p in range(1, 8)]) for c in range(1, chapters + 1)
        ],
    )


@pytest.fixture
def media(settings, tmp_path):
    """MEDIA_ROOT (and so the private content storage next to it) in a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def library(library_factory):
    library = library_factory(lending_mode="self_service", max_on_hand=3, loan_days=14)
    circulation.grant_credits(operator=None, library=library, amount=5)
    return library


@pytest.fixture
def card(card_factory, library):
    return card_factory(library=library, birth_date=date(2000, 5, 1))


@pytest.fixture
def ebook(title_factory, media):
    title = title_factory(title="Lasāmgrāmata", format="ebook", price=1)
    title.content.save("test/book.epub", ContentFile(epub()), save=True)
    return title


@pytest.fixture
def audiobook(title_factory, media):
    title = title_factory(title="Klausāmgrāmata", format="audiobook", price=1)
    title.content.save("test/book.mp3", ContentFile(silent_mp3(120)), save=True)
    return title
