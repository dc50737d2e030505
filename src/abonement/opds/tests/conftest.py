"""The OPDS tests' client: a real Django test client whose every feed answer is validated against the
official schemas before a test looks at it, so no feed the suite produces escapes validation."""

import base64
import json
from datetime import date

import pytest
from django.test import Client

from abonement.catalog.models import Author, CatalogAccess, Genre, Series, TitleAuthor
from abonement.circulation import services
from abonement.opds.tests.validation import assert_valid_opds1, assert_valid_opds2
from abonement.testing.factories import TEST_PASSWORD


def basic(identifier: str, password: str = TEST_PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{identifier}:{password}".encode()).decode()


class OpdsClient:
    def __init__(self):
        self.client = Client()
        self.validated = 0

    def _checked(self, response):
        content_type = response.get("Content-Type", "")
        if response.status_code == 200 or response.status_code == 201:
            if content_type.startswith("application/atom+xml"):
                assert_valid_opds1(response.content)
                self.validated += 1
            elif content_type.startswith("application/opds+json"):
                assert_valid_opds2(json.loads(response.content))
                self.validated += 1
            elif content_type.startswith("application/opds-publication+json"):
                assert_valid_opds2(json.loads(response.content), "publication")
                self.validated += 1
            elif content_type.startswith("application/opds-authentication+json"):
                assert_valid_opds2(json.loads(response.content), "authentication")
                self.validated += 1
        return response

    def get(self, path, *, card=None, password=TEST_PASSWORD, **extra):
        extra.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
        if card is not None:
            extra["HTTP_AUTHORIZATION"] = basic(card.number, password)
        return self._checked(self.client.get(path, **extra))

    def post(self, path, *, card=None, password=TEST_PASSWORD, **extra):
        extra.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
        if card is not None:
            extra["HTTP_AUTHORIZATION"] = basic(card.number, password)
        return self._checked(self.client.post(path, **extra))


@pytest.fixture
def opds(db):
    return OpdsClient()


@pytest.fixture
def library(library_factory, operator_factory):
    library = library_factory(name="Central & <Co>", lending_mode="self_service", max_on_hand=2, loan_days=14)
    services.grant_credits(operator=operator_factory(network=library.network), library=library, amount=20)
    CatalogAccess.objects.create(library=library, whole_catalog=True)
    library.refresh_from_db()
    return library


@pytest.fixture
def card(card_factory, library):
    return card_factory(library=library, birth_date=date(1990, 1, 1))


@pytest.fixture
def catalog(title_factory):
    """Seven shared titles: one series of two, a genre of three, one author on four."""
    tolstoy = Author.objects.create(name="Лев Толстой", sort_name="Толстой, Лев")
    other = Author.objects.create(name='Jane "Q" <Doe> & Co', sort_name="Doe, Jane")
    novels = Genre.objects.create(name="Novels & <stories>")
    saga = Series.objects.create(name="Saga")
    titles = []
    for number in range(7):
        title = title_factory(
            title=f"Book {number}",
            description=f"About book {number}",
            isbn=f"978000000000{number}",
            popularity=number,
            series=saga if number < 2 else None,
            series_number=number + 1 if number < 2 else None,
        )
        TitleAuthor.objects.create(title=title, author=tolstoy if number < 4 else other)
        if number % 2 == 0:
            title.genres.add(novels)
        titles.append(title)
    return {"titles": titles, "author": tolstoy, "genre": novels, "series": saga}
