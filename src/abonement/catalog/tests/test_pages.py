"""SPEC C5 and P1: book pages, author/series/genre pages and browsing, open without login."""

import pytest

from abonement.catalog.models import Author, Genre, Title
from abonement.testing.factories import TEST_PASSWORD


def html(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
class TestBookPage:
    def test_digital_title_shows_its_metadata_to_anyone(self, client, make_title, series):
        title = make_title(
            "Капитанская дочка",
            authors=("Александр Пушкин",),
            genres=("Роман",),
            tags=("классика",),
            is_free=True,
            isbn="9785389012342",
            publisher="Азбука",
            year=2020,
            age_rating=12,
            pages=256,
            series=series,
            series_number=2,
            description="Повесть о пугачёвском восстании.",
        )
        response = client.get(f"/catalog/titles/{title.pk}/")
        assert response.status_code == 200
        page = html(response)
        author = Author.objects.get(name="Александр Пушкин")
        assert f'href="/catalog/authors/{author.pk}/"' in page
        assert f'href="/catalog/series/{series.pk}/"' in page and "no. 2" in page
        genre = Genre.objects.get(name="Роман")
        assert f'href="/catalog/genres/{genre.pk}/"' in page
        for text in (
            "Капитанская дочка",
            "классика",
            "Russian",
            "Азбука",
            "2020",
            "9785389012342",
            "12+",
            "256 pages",
            "Free: lending it never costs credits",
            "Повесть о пугачёвском восстании.",
            "No ratings yet.",
        ):
            assert text in page, text

    def test_price_in_credits_and_duration_of_an_audiobook(self, client, make_title):
        title = make_title("Ночной дозор", format="audiobook", price=2, duration_seconds=3 * 3600 + 5 * 60)
        page = html(client.get(f"/catalog/titles/{title.pk}/"))
        assert "2 credits per copy" in page and "3 h 05 min" in page

    def test_anonymous_visitors_are_asked_to_sign_in_and_staff_are_not(self, client, make_title, librarian_factory):
        title = make_title()
        page = html(client.get(f"/catalog/titles/{title.pk}/"))
        assert "Sign in to take or request this book" in page
        assert f"/login/?next=/catalog/titles/{title.pk}/" in page
        assert "Read fragment" not in page  # no content file
        librarian = librarian_factory()
        client.post("/login/", {"identifier": librarian.username, "password": TEST_PASSWORD})
        assert "Sign in to take" not in html(client.get(f"/catalog/titles/{title.pk}/"))

    def test_paper_title_lists_every_copy_with_its_status(self, client, paper_title):
        response = client.get(f"/catalog/titles/{paper_title.pk}/")
        assert response.status_code == 200
        page = html(response)
        assert 'data-testid="items"' in page
        assert page.count("data-barcode=") == 3
        assert "Aizkraukles bibliotēka" in page and "Kokneses filiāle" in page
        assert "On loan until 03.12.2026" in page or "On loan until 12/03/2026" in page
        assert "Reading room only" in page and "On the shelf" in page
        assert "credits per copy" not in page  # a paper book has no price in credits
        assert "Aizkraukles novads" in page

    def test_unknown_title_is_404(self, client, db):
        assert client.get("/catalog/titles/999999/").status_code == 404
        assert client.post(f"/catalog/titles/{999}/").status_code in (404, 405)

    def test_book_page_queries_are_bounded(self, client, paper_title, django_assert_max_num_queries):
        with django_assert_max_num_queries(8):
            client.get(f"/catalog/titles/{paper_title.pk}/")


@pytest.mark.django_db
class TestLists:
    def test_author_page_lists_their_titles_with_all_authors(self, client, make_title):
        make_title("Mērnieku laiki", authors=("Reinis Kaudzīte", "Matīss Kaudzīte"), language="lv")
        make_title("Izjādes", authors=("Matīss Kaudzīte",), language="lv")
        make_title("Cita grāmata", authors=("Rainis",), language="lv")
        matiss = Author.objects.get(name="Matīss Kaudzīte")
        page = html(client.get(f"/catalog/authors/{matiss.pk}/"))
        assert "Matīss Kaudzīte" in page and "2 titles" in page
        assert "Mērnieku laiki" in page and "Izjādes" in page and "Cita grāmata" not in page
        assert "Reinis Kaudzīte" in page

    def test_series_page_is_in_series_order(self, client, make_title, series):
        make_title("The Hound of the Baskervilles", series=series, series_number=5, language="en")
        make_title("A Study in Scarlet", series=series, series_number=1, language="en")
        page = html(client.get(f"/catalog/series/{series.pk}/"))
        assert page.index("A Study in Scarlet") < page.index("The Hound of the Baskervilles")
        assert "No. 1 in the series" in page

    def test_genre_page_is_paginated_with_bounded_queries(self, client, make_title, django_assert_max_num_queries):
        for n in range(30):
            make_title(f"Pasaka {n:02d}", authors=(f"Autors {n}",), genres=("Pasakas",), language="lv")
        genre = Genre.objects.get(name="Pasakas")
        with django_assert_max_num_queries(8):
            first = html(client.get(f"/catalog/genres/{genre.pk}/"))
        assert "30 titles" in first and "Page 1 of 2" in first and "Pasaka 00" in first and "Pasaka 29" not in first
        second = html(client.get(f"/catalog/genres/{genre.pk}/?page=2"))
        assert "Pasaka 29" in second
        assert client.get(f"/catalog/genres/{genre.pk}/?page=abc").status_code == 200

    def test_browse_new_popular_and_free(self, client, make_title):
        make_title("Old popular", popularity=500, language="en")
        make_title("New quiet", popularity=1, language="en")
        make_title("Free one", is_free=True, language="en")
        popular = html(client.get("/catalog/browse/popular/"))
        assert popular.index("Old popular") < popular.index("New quiet")
        new = html(client.get("/catalog/browse/new/"))
        assert new.index("Free one") < new.index("Old popular")
        free = html(client.get("/catalog/browse/free/"))
        assert "Free one" in free and "Old popular" not in free
        assert client.get("/catalog/browse/cheapest/").status_code == 404

    @pytest.mark.parametrize("url", ["/catalog/authors/999999/", "/catalog/series/999999/", "/catalog/genres/999999/"])
    def test_unknown_objects_are_404(self, client, db, url):
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_models_keep_the_scope_constraints(make_title, network_factory):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Title.objects.create(title="Paper without network", format="paper")
    with pytest.raises(IntegrityError), transaction.atomic():
        Title.objects.create(title="Free but priced", is_free=True, price=3)
