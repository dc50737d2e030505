"""The search page and the suggestions endpoint: open to anyone, never a 500 whatever is typed."""

import pytest
from django.urls import reverse

from abonement.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

SEARCH = "/catalog/"
SUGGEST = "/catalog/suggest/"


@pytest.fixture
def shelf(add_title):
    war = add_title("Война и мир", authors=["Лев Толстой"], genres=["Роман"], popularity=50, isbn="9785170908266")
    add_title("Zelta grāmata", authors=["Jānis Bērziņš"], language="lv", format="audiobook", is_free=True)
    return war


def test_urls_are_the_catalogue_ones():
    assert reverse("catalog:search") == SEARCH and reverse("catalog:suggest") == SUGGEST


def test_empty_page_offers_the_box_without_login(client, shelf):
    html = client.get(SEARCH).content.decode()
    assert 'name="q"' in html and 'role="search"' in html and "data-suggest-url" in html
    assert "title found" not in html


def test_results_link_to_the_book_and_author_pages(client, shelf):
    response = client.get(SEARCH, {"q": "войны"})
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("catalog:title", kwargs={"title_id": shelf.pk}) in html
    assert "1 title found" in html and "Лев Толстой" in html
    assert 'name="format"' in html and 'name="available"' in html  # facets in a GET form
    assert 'name="fund"' not in html  # only for someone with a library


def test_isbn_with_dashes_on_the_page(client, shelf):
    assert "Война и мир" in client.get(SEARCH, {"q": "978-5-17-090826-6"}).content.decode()


def test_did_you_mean_is_a_link(client, shelf):
    html = client.get(SEARCH, {"q": "вонйа"}).content.decode()
    assert "Did you mean" in html and "?q=%D0%B2%D0%BE%D0%B9%D0%BD%D0%B0" in html
    assert "Война и мир" in html


def test_facet_filters_narrow_the_results(client, add_title):
    add_title("Сад", format="ebook")
    add_title("Сады", format="audiobook", is_free=True)
    html = client.get(SEARCH, {"q": "сад", "format": "audiobook"}).content.decode()
    assert "Сады" in html and ">Сад<" not in html
    html = client.get(SEARCH, {"q": "сад", "free": "1"}).content.decode()
    assert "1 title found" in html


def test_pages_keep_the_query_and_filters(client, add_title):
    for n in range(25):
        add_title(f"Роман {n}", is_free=True)
    html = client.get(SEARCH, {"q": "роман", "available": "1"}).content.decode()
    assert "Page 1 of 2" in html
    assert "?q=%D1%80%D0%BE%D0%BC%D0%B0%D0%BD&amp;available=1&amp;page=2" in html
    assert "Роман 24" in client.get(SEARCH, {"q": "роман", "available": "1", "page": "2"}).content.decode()


def test_librarian_and_reader_get_the_fund_facet(client, add_title, librarian_factory, card_factory, library_factory):
    library = library_factory()
    add_title("Лес", format="paper", items=[(library, "on_shelf")])
    add_title("Лесник", format="paper", items=[(library_factory(), "on_shelf")])
    librarian = librarian_factory(library=library)
    client.force_login(librarian)
    html = client.get(SEARCH, {"q": "лес", "fund": "1"}).content.decode()
    assert 'name="fund"' in html and "1 title found" in html
    card = card_factory(library=library)
    client.force_login(card.user)
    assert "1 title found" in client.get(SEARCH, {"q": "лес", "fund": "1"}).content.decode()
    assert card.user.check_password(TEST_PASSWORD)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        " ",
        "x" * 2000,
        "война " * 400,
        '"',
        '"война',
        "*",
        "войн*",
        "-",
        "-война",
        "NEAR",
        "война NEAR/3 мир",
        "()",
        "(война OR мир) AND NOT",
        "'; DROP TABLE catalog_title; --",
        "1' OR '1'='1",
        "%",
        "_",
        "\\",
        "📚🙂",
        "война 📚",
        "\x00",
        "a\x00b",
        "ё" * 41,
        "978-",
        "9" * 30,
    ],
)
def test_bad_input_gives_a_page_or_a_message(client, shelf, typed):
    response = client.get(SEARCH, {"q": typed})
    assert response.status_code == 200
    suggestions = client.get(SUGGEST, {"q": typed})
    assert suggestions.status_code == 200 and isinstance(suggestions.json()["suggestions"], list)


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "%", "%%%", "%C0%AF"])
def test_broken_encodings_in_the_address(client, shelf, raw):
    assert client.get(f"{SEARCH}?q={raw}").status_code == 200
    assert client.get(f"{SUGGEST}?q={raw}").status_code == 200


def test_symbols_only_get_a_clear_message(client, shelf):
    html = client.get(SEARCH, {"q": "📚 *** ()"}).content.decode()
    assert "there are no letters or digits to search for" in html


def test_a_long_query_is_shortened_with_a_message(client, shelf):
    html = client.get(SEARCH, {"q": "война " + "x" * 2000}).content.decode()
    assert "Only the beginning of a long query is used" in html


@pytest.mark.parametrize(
    "params",
    [
        {"format": "bogus"},
        {"age": "abc"},
        {"age": "7"},
        {"genre": "-1"},
        {"genre": "99999999999999999999"},
        {"page": "abc"},
        {"page": "0"},
        {"page": "99999999"},
        {"language": "x" * 50},
        {"fund": "1"},
        {"free": "maybe"},
    ],
)
def test_bad_filter_values_are_ignored(client, shelf, params):
    response = client.get(SEARCH, {"q": "война", **params})
    assert response.status_code == 200


def test_suggestions_are_json_with_links(client, shelf):
    response = client.get(SUGGEST, {"q": "Войн"})
    assert response["Content-Type"] == "application/json"
    assert response.json()["suggestions"] == [
        {
            "kind": "title",
            "id": shelf.pk,
            "label": "Война и мир",
            "detail": "Лев Толстой",
            "url": reverse("catalog:title", kwargs={"title_id": shelf.pk}),
        }
    ]
    authors = client.get(SUGGEST, {"q": "berzins"}).json()["suggestions"]
    assert [(s["kind"], s["label"]) for s in authors] == [("author", "Jānis Bērziņš")]
    assert authors[0]["url"].startswith("/catalog/authors/")


def test_search_page_query_count_is_bounded(client, add_title, django_assert_max_num_queries):
    for n in range(30):
        add_title(f"Море {n}", authors=[f"Автор {n}"], series="Морская серия", genres=["Проза"])
    with django_assert_max_num_queries(12):
        assert client.get(SEARCH, {"q": "море"}).status_code == 200


def test_only_get(client):
    assert client.post(SEARCH, {"q": "x"}).status_code == 405


class TestSameAvailabilityAsTheBookPage:
    """Issue #13: search said "Available now" for every digital title while the book page offered the queue, and
    "In my library's fund" counted paper items only. Both facets use the book page's rule now."""

    @pytest.fixture
    def reader(self, library_factory, card_factory):
        from abonement.circulation import services

        library = library_factory(lending_mode="self_service", self_service_acquisition=False, max_on_hand=5)
        services.grant_credits(operator=None, library=library, amount=5)
        return card_factory(library=library)

    def facet(self, html: str, name: str) -> int:
        import re

        return int(re.search(rf'name="{name}" value="1"[^>]*> [^<]+<span class="count">(\d+)</span>', html)[1])

    def test_no_free_copy_is_not_available_now(self, client, add_title, reader, card_factory):
        from abonement.circulation import services
        from abonement.circulation.models import Copy

        lent = add_title("Звёзды на loan")
        free_copy = add_title("Звёзды свободны")
        add_title("Звёзды без копий")
        for title in (lent, free_copy):
            Copy.objects.create(library=reader.library, title=title, acquired_at=reader.library.created_at)
        services.take(card=card_factory(library=reader.library), title=lent)
        client.force_login(reader.user)
        html = client.get(SEARCH, {"q": "звёзды"}).content.decode()
        assert "3 titles found" in html
        assert self.facet(html, "available") == 1
        available = client.get(SEARCH, {"q": "звёзды", "available": "1"}).content.decode()
        assert "1 title found" in available and "Звёзды свободны" in available
        for title, offer in ((lent, "/queue/"), (free_copy, "/take/")):
            page = client.get(f"/catalog/titles/{title.pk}/").content.decode()
            assert f'action="/my/titles/{title.pk}{offer}"' in page

    def test_a_library_that_buys_copies_by_itself_has_them_available(self, client, add_title, reader):
        reader.library.self_service_acquisition, reader.library.acquisition_price_cap = True, 2
        reader.library.save()
        cheap, dear = add_title("Луна дешёвая", price=2), add_title("Луна дорогая", price=3)
        client.force_login(reader.user)
        html = client.get(SEARCH, {"q": "луна", "available": "1"}).content.decode()
        assert "1 title found" in html and "Луна дешёвая" in html
        assert f'action="/my/titles/{cheap.pk}/take/"' in client.get(f"/catalog/titles/{cheap.pk}/").content.decode()
        assert f'action="/my/titles/{dear.pk}/take/"' not in client.get(f"/catalog/titles/{dear.pk}/").content.decode()

    def test_a_title_on_loan_from_my_library_is_in_its_fund(self, client, add_title, reader):
        from abonement.circulation import services
        from abonement.circulation.models import Copy

        title = add_title("Река")
        add_title("Река чужая")
        Copy.objects.create(library=reader.library, title=title, acquired_at=reader.library.created_at)
        services.take(card=reader, title=title)
        client.force_login(reader.user)
        html = client.get(SEARCH, {"q": "река"}).content.decode()
        assert self.facet(html, "fund") == 1
        in_fund = client.get(SEARCH, {"q": "река", "fund": "1"}).content.decode()
        assert "1 title found" in in_fund and "Река чужая" not in in_fund
