"""School libraries may register pupils with neither e-mail nor phone and print their credentials (issue #13);
other libraries still ask for one of them (SPEC A2), in single and in bulk registration."""

import io
import re

import openpyxl
import pytest
from django.test import Client

from abonement.notifications.models import Notice
from abonement.readers.models import Card
from abonement.testing.factories import TEST_PASSWORD

NO_CONTACT = "Give an e-mail or a phone: the login and password are sent there."
PUPILS = "Anna Ozola\t01.09.2015\t\t\t3.a\nJānis Kalns\t02.10.2015\t\t\t3.a"


def staff_of(library, librarian_factory) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    librarian = librarian_factory(library=library)
    assert client.post("/login/", {"identifier": librarian.username, "password": TEST_PASSWORD}).status_code == 302
    return client


def pupil(**overrides) -> dict:
    return {"full_name": "Anna Ozola", "birth_date": "01.09.2015", "email": "", "phone": "", "language": "lv"} | (
        overrides
    )


def can_sign_in(number: str, password: str) -> bool:
    return Client().post("/login/", {"identifier": number, "password": password}).status_code == 302


@pytest.mark.django_db
class TestSchoolLibrary:
    @pytest.fixture
    def staff(self, library_factory, librarian_factory):
        return staff_of(library_factory(name="Skola 5", readers_without_contact=True), librarian_factory)

    def test_one_pupil_without_email_or_phone_gets_a_slip_to_print(self, staff):
        form = staff.get("/staff/readers/new/").content.decode()
        assert "This library may also register a reader with neither: then print the slip for them." in form
        response = staff.post("/staff/readers/new/", pupil())
        card = Card.objects.get(full_name="Anna Ozola")
        assert response.status_code == 302 and response.url == f"/staff/readers/{card.pk}/slip/"
        assert card.user.email is None and card.user.phone is None
        assert not Notice.objects.exists()  # nowhere to send it: the slip is the only copy
        slip = staff.get(response.url).content.decode()
        password = re.search(r'class="credential">([a-z0-9-]{17})<', slip).group(1)
        assert can_sign_in(card.number, password)

    def test_a_class_without_contacts_is_imported_and_its_passwords_downloaded(self, staff):
        form = staff.get("/staff/readers/bulk/").content.decode()
        assert "for the others print the slips or the file on the next page." in form
        assert "Each reader needs an e-mail or a phone" not in form
        response = staff.post("/staff/readers/bulk/", {"rows": PUPILS, "language": "lv"})
        assert response.status_code == 302
        cards = Card.objects.filter(source=Card.Source.BULK_IMPORT).select_related("user")
        assert sorted(c.full_name for c in cards) == ["Anna Ozola", "Jānis Kalns"]
        assert all(c.user.email is None and c.user.phone is None for c in cards)
        sheet = openpyxl.load_workbook(io.BytesIO(staff.get("/staff/readers/bulk/credentials.xlsx").content)).active
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert len(rows) == 2 and all(can_sign_in(row[0], row[-1]) for row in rows)


@pytest.mark.django_db
class TestOtherLibraries:
    @pytest.fixture
    def staff(self, library_factory, librarian_factory):
        library = library_factory(name="Pilsētas bibliotēka")
        assert library.readers_without_contact is False  # the default: SPEC A2 asks for a contact
        return staff_of(library, librarian_factory)

    def test_one_reader_without_contacts_is_refused_naming_the_rule(self, staff):
        response = staff.post("/staff/readers/new/", pupil())
        assert response.status_code == 400 and NO_CONTACT in response.content.decode()
        assert not Card.objects.exists()

    def test_bulk_rows_without_contacts_are_refused_row_by_row(self, staff):
        assert "Each reader needs an e-mail or a phone" in staff.get("/staff/readers/bulk/").content.decode()
        response = staff.post("/staff/readers/bulk/", {"rows": PUPILS, "language": "lv"})
        page = response.content.decode()
        assert response.status_code == 400 and page.count(NO_CONTACT) == 2
        assert not Card.objects.exists()


@pytest.mark.django_db
def test_the_operator_allows_it_for_a_school_on_the_library_form(operator_factory, library_factory):
    library = library_factory(name="Skola 5")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    operator = operator_factory(network=library.network)
    assert client.post("/login/", {"identifier": operator.username, "password": TEST_PASSWORD}).status_code == 302
    url = f"/operator/libraries/{library.pk}/edit/"
    assert "readers may be registered without e-mail or phone" in client.get(url).content.decode().lower()
    data = {
        "network": library.network_id,
        "name": "Skola 5",
        "parent": "",
        "timezone": "Europe/Riga",
        "opening_weekdays": ["1", "2", "3", "4", "5"],
        "lending_mode": "by_request",
        "max_on_hand": "3",
        "loan_days": "14",
        "readers_without_contact": "on",
        "language": "lv",
    }
    assert client.post(url, data).status_code == 302
    library.refresh_from_db()
    assert library.readers_without_contact is True
