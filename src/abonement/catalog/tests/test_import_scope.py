"""Who may change what by importing (SPEC T2, Q4): a librarian only their libraries' items and titles no other
library holds; an operator only their networks' records; only the platform admin the shared catalogue."""

import pytest

from abonement.catalog import services
from abonement.catalog.importers import ItemData, Position, TitleData, import_records
from abonement.catalog.models import Item, Title
from abonement.catalog.tests.test_import_pages import signed_in, upload
from abonement.core.errors import NotAllowed
from abonement.libraries.models import StaffMembership

HEADER = "title;isbn;barcode;library;shelf_mark\n"


def csv(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode()


@pytest.fixture
def town(network_factory, library_factory, title_factory):
    """One network: a public library holding "Sprīdītis" (item P-1) and a school library."""
    network = network_factory(name="Town", slug="town")
    public = library_factory(network=network, name="Public")
    school = library_factory(network=network, name="School")
    title = title_factory(title="Sprīdītis", isbn="9789984401234", network=network, format="paper", price=0)
    Item.objects.create(title=title, library=public, barcode="P-1", shelf_mark="84 B85")
    return network, public, school, title


def record(number: int, title: str, *, isbn: str = "", items=()) -> TitleData:
    return TitleData(
        position=Position(number=number), title=title, isbn=isbn, items=[ItemData(barcode=b) for b in items]
    )


@pytest.mark.django_db
class TestLibrarianImport:
    def test_an_item_of_another_library_is_refused_and_stays_where_it_is(self, town, librarian_factory):
        network, public, school, title = town
        client = signed_in(librarian_factory(library=school))
        response = client.post(
            "/staff/catalog/import/", {"file": upload("school.csv", csv("Renamed;9789984401234;P-1;;SCH 1"))}
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert '<dd data-testid="failed">1</dd>' in page and '<dd data-testid="updated">0</dd>' in page
        assert "barcode P-1 is already used by an item of Public, and only that library" in page
        item = Item.objects.get(barcode="P-1")
        assert (item.library, item.shelf_mark) == (public, "84 B85")
        title.refresh_from_db()
        assert title.title == "Sprīdītis"

    def test_a_title_other_libraries_hold_gets_the_items_but_keeps_its_details(self, town, librarian_factory):
        network, public, school, title = town
        client = signed_in(librarian_factory(library=school))
        response = client.post(
            "/staff/catalog/import/", {"file": upload("school.csv", csv("Renamed;9789984401234;S-1;;SCH 1"))}
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert '<dd data-testid="updated">0</dd>' in page and '<dd data-testid="failed">0</dd>' in page
        assert 'data-testid="import-warnings"' in page
        assert "“Sprīdītis” is also held by other libraries of the network: its details were left as they are" in page
        title.refresh_from_db()
        assert title.title == "Sprīdītis"
        assert Item.objects.get(barcode="S-1").title == title
        assert Item.objects.get(barcode="S-1").library == school

    def test_a_title_only_their_libraries_hold_is_updated(self, town, librarian_factory):
        network, public, school, title = town
        librarian = librarian_factory(library=school)
        StaffMembership.objects.create(user=librarian, library=public)
        response = signed_in(librarian).post(
            "/staff/catalog/import/", {"file": upload("school.csv", csv("Sprīdītis (2nd ed.);9789984401234;P-1;;"))}
        )
        assert response.status_code == 200
        assert '<dd data-testid="updated">1</dd>' in response.content.decode()
        title.refresh_from_db()
        assert title.title == "Sprīdītis (2nd ed.)"

    def test_the_service_checks_the_libraries_it_is_given(self, town):
        network, public, school, title = town
        mine = Title.objects.create(title="Mine", isbn="9789934204567", network=network, format="paper", price=0)
        Item.objects.create(title=mine, library=school, barcode="S-9")
        report = import_records(
            [
                record(1, "Moved", isbn="9789984401234", items=["P-1"]),
                record(2, "Renamed", isbn="9789984401234", items=["S-1"]),
                record(3, "Mine, renamed", isbn="9789934204567", items=["S-9"]),
                record(4, "New", items=["S-2"]),
            ],
            source="",
            network=network,
            library=school,
            libraries=[school],
        )
        assert (report.created, report.updated, report.unchanged, report.failed) == (1, 1, 1, 1)
        assert [str(e.position) for e in report.errors] == ["record 1"]
        assert [str(w.position) for w in report.warnings] == ["record 2"]
        assert Item.objects.get(barcode="P-1").library == public
        assert Title.objects.get(pk=title.pk).title == "Sprīdītis"
        assert Title.objects.get(pk=mine.pk).title == "Mine, renamed"
        assert set(Item.objects.filter(library=school).values_list("barcode", flat=True)) == {"S-1", "S-2", "S-9"}

    def test_the_networks_operator_changes_any_of_its_titles_and_items(self, town, operator_factory):
        network, public, school, title = town
        client = signed_in(operator_factory(network=network))
        data = csv("Sprīdītis (2nd ed.);9789984401234;P-1;School;")
        response = client.post("/operator/catalog/import/", {"target": str(network.pk), "file": upload("t.csv", data)})
        assert response.status_code == 200
        title.refresh_from_db()
        assert title.title == "Sprīdītis (2nd ed.)" and Item.objects.get(barcode="P-1").library == school


SHARED_CSV = b"title,isbn,age_rating,price\nShared book,9785170000001,18+,99\n"


@pytest.mark.django_db
class TestSharedCatalogue:
    @pytest.fixture
    def shared(self, title_factory):
        return title_factory(title="Shared book", isbn="9785170000001", age_rating=6, price=1)

    def test_an_operator_cannot_import_into_the_shared_catalogue(self, shared, operator_factory, network_factory):
        client = signed_in(operator_factory(network=network_factory()))
        page = client.get("/operator/catalog/import/").content.decode()
        assert 'value="shared"' not in page
        response = client.post("/operator/catalog/import/", {"target": "shared", "file": upload("t.csv", SHARED_CSV)})
        assert response.status_code == 400
        assert "Only the platform admin imports into the shared digital catalogue" in response.content.decode()
        shared.refresh_from_db()
        assert (shared.age_rating, shared.price) == (6, 1)

    def test_the_service_refuses_an_operator_too(self, shared, operator_factory):
        with pytest.raises(NotAllowed):
            services.import_catalog_file(SHARED_CSV, actor=operator_factory())
        shared.refresh_from_db()
        assert (shared.age_rating, shared.price) == (6, 1)

    def test_the_platform_admin_changes_shared_titles(self, shared, user_factory, network_factory):
        network_factory()  # the operator pages are for people who run at least one network
        client = signed_in(user_factory(is_superuser=True))
        assert 'value="shared"' in client.get("/operator/catalog/import/").content.decode()
        response = client.post("/operator/catalog/import/", {"target": "shared", "file": upload("t.csv", SHARED_CSV)})
        assert response.status_code == 200
        shared.refresh_from_db()
        assert (shared.age_rating, shared.price) == (18, 99)
