"""Import pages (SPEC C3): librarians and operators import paper books into their network, the platform admin
also into the shared digital catalogue; a bad file is a 400 naming the problem. And the `import` command."""

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from abonement.catalog import forms
from abonement.catalog.models import Item, Title
from abonement.catalog.tests.test_import import sample
from abonement.core.models import Event
from abonement.testing.factories import TEST_PASSWORD


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": user.username, "password": TEST_PASSWORD}).status_code == 302
    return client


def upload(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else sample(name).read_bytes())


@pytest.fixture
def union(network_factory, library_factory):
    network = network_factory(name="Union", slug="union")
    central = library_factory(network=network, name="Central")
    branch = library_factory(network=network, name="Branch", parent=central)
    return network, central, branch


@pytest.mark.django_db
class TestStaffImport:
    def test_librarian_imports_paper_books_into_their_network(self, union, librarian_factory):
        network, central, _branch = union
        librarian = librarian_factory(library=central)
        client = signed_in(librarian)
        assert client.get("/staff/catalog/import/").status_code == 200
        response = client.post("/staff/catalog/import/", {"file": upload("paper_rusmarc.iso"), "format": ""})
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-testid="import-report"' in page and "UNIMARC/RUSMARC (ISO 2709)" in page
        # the record whose items name "Branch" is refused: the librarian holds only Central
        assert Title.objects.filter(network=network, format="paper").count() == 1
        assert "library “Branch” of item P-0002 is not one of: Central" in page
        assert set(Item.objects.values_list("barcode", flat=True)) == {"P-0003"}
        imported = Event.objects.get(kind="catalog_imported")
        assert (imported.library, imported.actor) == (central, librarian)
        assert (imported.details["created"], imported.details["failed"]) == (1, 1)

    def test_items_go_to_every_library_the_librarian_holds(self, union, librarian_factory):
        from abonement.libraries.models import StaffMembership

        network, central, branch = union
        librarian = librarian_factory(library=central)
        StaffMembership.objects.create(user=librarian, library=branch)
        response = signed_in(librarian).post("/staff/catalog/import/", {"file": upload("paper_rusmarc.iso")})
        assert response.status_code == 200
        assert Item.objects.get(barcode="P-0002").library == branch

    @pytest.mark.parametrize("name", ["not_marc.png", "not_marc.txt"])
    def test_a_file_that_is_not_a_catalogue_is_400_and_nothing_is_imported(self, union, librarian_factory, name):
        _network, central, _branch = union
        response = signed_in(librarian_factory(library=central)).post("/staff/catalog/import/", {"file": upload(name)})
        assert response.status_code == 400
        assert "The file is not MARC" in response.content.decode()
        assert not Title.objects.exists()

    def test_missing_file_and_wrong_format_are_400(self, union, librarian_factory):
        _network, central, _branch = union
        client = signed_in(librarian_factory(library=central))
        response = client.post("/staff/catalog/import/", {"format": ""})
        assert response.status_code == 400 and "Choose a file to import." in response.content.decode()
        response = client.post("/staff/catalog/import/", {"file": upload("paper_rusmarc.iso"), "format": "marcxml"})
        assert response.status_code == 400 and "The file is not MARCXML" in response.content.decode()
        response = client.post("/staff/catalog/import/", {"file": upload("paper_rusmarc.iso"), "format": "pdf"})
        assert response.status_code == 400 and "Select a valid choice" in response.content.decode()

    def test_too_big_a_file_is_refused(self, union, librarian_factory, monkeypatch):
        monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 100)
        _network, central, _branch = union
        response = signed_in(librarian_factory(library=central)).post(
            "/staff/catalog/import/", {"file": upload("paper_rusmarc.iso")}
        )
        assert response.status_code == 400 and "at most 100" in response.content.decode()

    def test_digital_records_are_refused_for_librarians(self, union, librarian_factory):
        _network, central, _branch = union
        response = signed_in(librarian_factory(library=central)).post(
            "/staff/catalog/import/", {"file": upload("titles.csv")}
        )
        assert "digital titles belong to the shared catalogue" in response.content.decode()
        assert not Title.objects.filter(network__isnull=True).exists()

    def test_readers_and_visitors_cannot_import(self, client, user_factory, db):
        assert client.get("/staff/catalog/import/").status_code == 302
        reader = signed_in(user_factory())
        assert reader.get("/staff/catalog/import/").status_code == 403
        assert reader.post("/staff/catalog/import/", {"file": upload("titles.csv")}).status_code == 403
        assert reader.get("/operator/catalog/import/").status_code == 403


@pytest.mark.django_db
class TestOperatorImport:
    def test_the_platform_admin_imports_the_shared_digital_catalogue(self, user_factory, union):
        client = signed_in(user_factory(is_superuser=True))
        response = client.post("/operator/catalog/import/", {"target": "shared", "file": upload("rusmarc.iso")})
        assert response.status_code == 200
        assert Title.objects.filter(network__isnull=True).count() == 5
        again = client.post("/operator/catalog/import/", {"target": "shared", "file": upload("rusmarc.iso")})
        page = again.content.decode()
        assert '<dd data-testid="created">0</dd>' in page and Title.objects.count() == 5

    def test_operator_imports_paper_books_into_their_network_with_a_default_library(self, operator_factory, union):
        network, central, _branch = union
        client = signed_in(operator_factory(network=network))
        response = client.post(
            "/operator/catalog/import/",
            {"target": str(network.pk), "library": str(central.pk), "file": upload("paper.csv")},
        )
        assert response.status_code == 200
        assert Title.objects.filter(network=network).count() == 2
        assert Item.objects.filter(library__network=network).count() == 3

    def test_a_foreign_network_or_library_is_refused(self, operator_factory, union, network_factory, library_factory):
        network, central, _branch = union
        foreign = network_factory()
        foreign_library = library_factory(network=foreign)
        client = signed_in(operator_factory(network=network))
        response = client.post("/operator/catalog/import/", {"target": str(foreign.pk), "file": upload("paper.csv")})
        assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
        response = client.post(
            "/operator/catalog/import/",
            {"target": str(network.pk), "library": str(foreign_library.pk), "file": upload("paper.csv")},
        )
        assert response.status_code == 400
        response = client.post(
            "/operator/catalog/import/", {"target": "shared", "library": str(central.pk), "file": upload("paper.csv")}
        )
        assert response.status_code == 400 and "Choose a library of the network" in response.content.decode()
        assert not Title.objects.exists()

    def test_a_file_where_every_record_fails_is_400_with_the_reasons(self, user_factory, union):
        client = signed_in(user_factory(is_superuser=True))
        response = client.post(
            "/operator/catalog/import/",
            {"target": "shared", "format": "unimarc", "file": upload("latvian_marc21.mrc")},
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert '<dd data-testid="failed">5</dd>' in page
        assert "record 1 (byte 0)" in page and "no title field 200" in page
        assert not Title.objects.exists()


@pytest.mark.django_db
class TestCommand:
    def test_import_prints_progress_errors_and_summary(self, db):
        out, err = StringIO(), StringIO()
        call_command("import", str(sample("truncated.mrc")), stdout=out, stderr=err)
        assert "MARC 21 (ISO 2709) into the shared digital catalogue: Created: 4" in out.getvalue()
        assert "failed: 2" in out.getvalue()
        assert "record 3 (byte 952)" in err.getvalue() and "6 records read" in err.getvalue()
        assert Title.objects.count() == 4

    def test_network_and_library_options(self, union):
        network, central, _branch = union
        out = StringIO()
        call_command(
            "import", str(sample("paper.csv")), network="union", library="central", stdout=out, stderr=StringIO()
        )
        assert "into network union" in out.getvalue()
        assert Item.objects.count() == 3

    def test_not_marc_is_an_error_and_nothing_is_imported(self, db):
        with pytest.raises(CommandError, match="not MARC.*Nothing was imported"):
            call_command("import", str(sample("not_marc.png")), stdout=StringIO(), stderr=StringIO())
        assert not Title.objects.exists()

    def test_bad_options(self, union):
        with pytest.raises(CommandError, match="No network"):
            call_command("import", str(sample("paper.csv")), network="nowhere")
        with pytest.raises(CommandError, match="No library"):
            call_command("import", str(sample("paper.csv")), network="union", library="Elsewhere")
        with pytest.raises(CommandError, match="needs --network"):
            call_command("import", str(sample("paper.csv")), library="Central")
        with pytest.raises(CommandError, match="Cannot read"):
            call_command("import", "/nonexistent/file.mrc")
        with pytest.raises(CommandError, match="no record could be imported"):
            call_command(
                "import", str(sample("latvian_marc21.mrc")), format="unimarc", stdout=StringIO(), stderr=StringIO()
            )
