"""SPEC T3: the operator chooses which part of the shared catalogue each library may lend."""

import pytest

from abonement.catalog import selectors
from abonement.catalog.models import CatalogAccess
from abonement.catalog.tests.test_import_pages import signed_in


@pytest.fixture
def setting(operator_factory, network_factory, library_factory, make_title):
    network = network_factory()
    library = library_factory(network=network, name="Skola")
    operator = operator_factory(network=network)
    titles = [
        make_title("Alpha", isbn="9780000000019", genres=("Pasakas",), tags=("vasara",)),
        make_title("Beta", isbn="9780000000026", genres=("Pasakas",)),
        make_title("Gamma", isbn="9780000000033", genres=("Romāni",), tags=("Vasara",)),
        make_title("Delta", isbn="9780000000040"),
    ]
    return {"library": library, "client": signed_in(operator), "titles": titles, "network": network}


def url(library) -> str:
    return f"/operator/libraries/{library.pk}/catalog/"


def lendable(library) -> set[str]:
    return set(selectors.lendable_titles(library).values_list("title", flat=True))


@pytest.mark.django_db
class TestSelection:
    def test_page_shows_counts(self, setting):
        response = setting["client"].get(url(setting["library"]))
        assert response.status_code == 200
        assert "A selection of 0 titles" in response.content.decode()
        assert "of the 4 in the shared catalogue" in response.content.decode()

    def test_add_by_isbn_reports_unknown_ones(self, setting):
        client, library = setting["client"], setting["library"]
        response = client.post(
            url(library), {"action": "add", "add-isbns": "978-0-00-000001-9, 9780000000026\n9789999999991"}, follow=True
        )
        page = response.content.decode()
        assert "2 titles added to the selection." in page
        assert "Not in the shared catalogue: 9789999999991" in page
        assert "A selection of 2 titles" in page
        assert lendable(library) == {"Alpha", "Beta"}

    def test_every_change_is_recorded_with_the_operator(self, setting):
        from abonement.core.models import Event

        client, library = setting["client"], setting["library"]
        client.post(url(library), {"action": "add", "add-isbns": "9780000000019 9780000000026"})
        client.post(url(library), {"action": "remove", "remove-isbns": "9780000000026"})
        client.post(url(library), {"action": "add", "add-isbns": "not-an-isbn"})  # refused: nothing recorded
        changes = Event.objects.filter(kind="catalog_selection_changed").order_by("id")
        assert [(e.details["action"], e.details["changed"]) for e in changes] == [("add_isbn", 2), ("remove_isbn", 1)]
        operator = client.session["_auth_user_id"]
        assert {(e.library_id, str(e.actor_id)) for e in changes} == {(library.pk, operator)}

    def test_add_by_genre_and_tag_then_remove(self, setting):
        client, library = setting["client"], setting["library"]
        genre = setting["titles"][0].genres.get()
        client.post(url(library), {"action": "genre", "genre-genre": genre.pk})
        assert lendable(library) == {"Alpha", "Beta"}
        client.post(url(library), {"action": "tag", "tag-tag": "Vasara"})
        assert lendable(library) == {"Alpha", "Beta", "Gamma"}
        client.post(url(library), {"action": "remove", "remove-isbns": "9780000000026"})
        assert lendable(library) == {"Alpha", "Gamma"}
        client.post(url(library), {"action": "clear"})
        assert lendable(library) == set()

    def test_whole_catalogue(self, setting, make_title):
        client, library = setting["client"], setting["library"]
        client.post(url(library), {"action": "add", "add-isbns": "9780000000019"})
        client.post(url(library), {"action": "scope", "whole_catalog": "1"})
        assert lendable(library) == {"Alpha", "Beta", "Gamma", "Delta"}
        make_title("Epsilon")
        assert "Epsilon" in lendable(library)
        page = client.get(url(library)).content.decode()
        assert "The whole shared catalogue: 5 titles." in page
        client.post(url(library), {"action": "scope", "whole_catalog": "0"})
        assert lendable(library) == {"Alpha"}  # the selection was kept

    def test_paper_titles_are_never_selected(self, setting, paper_title):
        client, library = setting["client"], setting["library"]
        paper_title.isbn = "9780000000057"
        paper_title.save()
        client.post(url(library), {"action": "add", "add-isbns": "9780000000057"})
        assert lendable(library) == set()

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"action": "add", "add-isbns": ""}, "Enter at least one ISBN."),
            ({"action": "add", "add-isbns": "12345 abc"}, "These are not ISBNs of 10 or 13 digits: 12345, abc"),
            ({"action": "tag", "tag-tag": "nav tāda"}, "There is no tag “nav tāda”."),
            ({"action": "genre", "genre-genre": "999999"}, "Select a valid choice."),
            ({"action": "scope", "whole_catalog": "maybe"}, "Select a valid choice."),
            ({"action": "dance"}, "Unknown action"),
        ],
    )
    def test_bad_input_is_400_and_named(self, setting, data, message):
        response = setting["client"].post(url(setting["library"]), data)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not CatalogAccess.objects.filter(library=setting["library"], whole_catalog=True).exists()

    def test_a_foreign_library_is_404(self, setting, library_factory):
        foreign = library_factory()
        client = setting["client"]
        assert client.get(url(foreign)).status_code == 404
        assert client.post(url(foreign), {"action": "scope", "whole_catalog": "1"}).status_code == 404
        assert not CatalogAccess.objects.filter(library=foreign).exists()

    def test_librarians_cannot_choose(self, setting, librarian_factory):
        client = signed_in(librarian_factory(library=setting["library"]))
        assert client.post(url(setting["library"]), {"action": "scope", "whole_catalog": "1"}).status_code == 403

    def test_page_queries_are_bounded(self, setting, django_assert_max_num_queries):
        client, library = setting["client"], setting["library"]
        client.post(url(library), {"action": "add", "add-isbns": " ".join(t.isbn for t in setting["titles"])})
        with django_assert_max_num_queries(20):
            assert client.get(url(library)).status_code == 200
