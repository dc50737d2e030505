"""A reader edits their own profile (issue #13): name, birth date, contacts. A changed birth date is what the
Ordered list warns about: "reader changed birth date, was …" (SPEC L4)."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client

from abonement.circulation import services as circulation
from abonement.core import clock
from abonement.core.models import Event
from abonement.readers.models import Card
from abonement.testing.factories import TEST_PASSWORD

URL = "/my/profile/"
WARNING = re.compile(r'data-problem="birth_date">reader changed birth date, was (\d\d\.\d\d\.\d{4})<')


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": user.username, "password": TEST_PASSWORD}).status_code == 302
    return client


def profile(**overrides) -> dict:
    return {"full_name": "Anna Ozola", "birth_date": "01.04.2006", "email": "anna@example.org", "phone": ""} | (
        overrides
    )


@pytest.fixture
def library(library_factory):
    return library_factory(name="Skola 5", lending_mode="by_request")


@pytest.fixture
def card(card_factory, user_factory, library):
    user = user_factory(email="anna@example.org", phone=None)
    return card_factory(library=library, user=user, full_name="Anna Ozola", birth_date=date(2008, 4, 1))


@pytest.fixture
def reader(card):
    return signed_in(card.user)


@pytest.fixture
def staff(librarian_factory, library):
    return signed_in(librarian_factory(library=library))


@pytest.mark.django_db
class TestProfilePage:
    def test_linked_from_my_books_and_filled_with_what_the_library_knows(self, reader):
        assert f'href="{URL}"' in reader.get("/my/").content.decode()
        page = reader.get(URL).content.decode()
        assert 'value="Anna Ozola"' in page and 'value="01.04.2008"' in page and 'value="anna@example.org"' in page
        assert 'inputmode="tel"' in page

    def test_the_ordered_list_then_warns_about_the_changed_birth_date(self, reader, staff, card, title_factory):
        adult = circulation.request_title(card=card, title=title_factory(title="Adult book", age_rating=18))
        assert not WARNING.search(staff.get("/staff/requests/").content.decode())

        response = reader.post(URL, profile(birth_date="01.04.2006"))
        assert response.status_code == 302 and response.url == "/my/"
        card.refresh_from_db()
        assert card.birth_date == date(2006, 4, 1)

        page = staff.get("/staff/requests/").content.decode()
        row = re.search(rf'<tr id="request-{adult.pk}".*?</tr>', page, re.S).group(0)
        assert WARNING.search(row).group(1) == "01.04.2008"
        # a second change keeps the first date; changing it back removes the warning
        reader.post(URL, profile(birth_date="01.04.2005"))
        assert WARNING.search(staff.get("/staff/requests/").content.decode()).group(1) == "01.04.2008"
        reader.post(URL, profile(birth_date="01.04.2008"))
        assert not WARNING.search(staff.get("/staff/requests/").content.decode())

        event = Event.objects.filter(kind=Event.Kind.READER_CHANGED, card=card).order_by("at", "id").first()
        assert event.actor == card.user and event.library == card.library
        assert event.details == {"fields": ["birth_date"], "by_reader": True, "birth_date_was": "2008-04-01"}

    def test_a_request_made_after_the_change_is_flagged_for_a_year(self, reader, staff, card, title_factory):
        assert reader.post(URL, profile(birth_date="01.04.2006")).status_code == 302
        later = title_factory(title="Adult book", age_rating=18)
        assert reader.post(f"/my/titles/{later.pk}/request/").status_code == 302

        page = staff.get("/staff/requests/").content.decode()
        [request] = card.requests.all()
        row = re.search(rf'<tr id="request-{request.pk}".*?</tr>', page, re.S).group(0)
        assert WARNING.search(row).group(1) == "01.04.2008"
        card.refresh_from_db()
        assert card.birth_date_was == date(2008, 4, 1)

        # a second change within the year keeps the first date on requests made after it
        reader.post(URL, profile(birth_date="01.04.2005"))
        second = circulation.request_title(card=card, title=title_factory(title="Second"))
        assert second.birth_date_was == date(2008, 4, 1)

        # a year after the last change new requests carry no warning
        changed_at = Card.objects.get(pk=card.pk).birth_date_changed_at
        a_year_on = circulation.request_title(
            card=card, title=title_factory(title="A year on"), now=changed_at + timedelta(days=365)
        )
        page = staff.get("/staff/requests/").content.decode()
        row = re.search(rf'<tr id="request-{a_year_on.pk}".*?</tr>', page, re.S).group(0)
        assert not WARNING.search(row)
        assert a_year_on.birth_date_was is None
        just_before = circulation.request_title(
            card=card, title=title_factory(title="Just before"), now=changed_at + timedelta(days=364)
        )
        assert just_before.birth_date_was == date(2008, 4, 1)

    def test_changing_the_birth_date_back_clears_the_flag_for_later_requests(self, reader, card, title_factory):
        reader.post(URL, profile(birth_date="01.04.2006"))
        reader.post(URL, profile(birth_date="01.04.2008"))
        card.refresh_from_db()
        assert card.birth_date_was is None and card.birth_date_changed_at is None
        assert circulation.request_title(card=card, title=title_factory()).birth_date_was is None

    def test_name_and_contacts_change_on_every_card_of_the_person(self, reader, card, card_factory, library_factory):
        other = card_factory(library=library_factory(name="Pilsētas bibliotēka"), user=card.user, full_name="A. Ozola")
        response = reader.post(URL, profile(full_name="Anna Kalniņa", email="", phone="+371 2000 0001"))
        assert response.status_code == 302
        assert set(Card.objects.filter(user=card.user).values_list("full_name", flat=True)) == {"Anna Kalniņa"}
        other.user.refresh_from_db()
        assert other.user.email is None and other.user.phone == "+37120000001"
        assert Client().post("/login/", {"identifier": "37120000001", "password": TEST_PASSWORD}).status_code == 302


@pytest.mark.django_db
class TestBadInput:
    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("birth_date", (clock.now().date() + timedelta(days=1)).strftime("%d.%m.%Y"), "is in the future."),
            ("birth_date", "31.02.2010", "Enter the date as DD.MM.YYYY, like 01.09.2012."),
            ("birth_date", "01.01.1800", "The birth date 01.01.1800 is too long ago."),
            ("birth_date", "", "Enter your birth date."),
            ("full_name", "", "Enter your full name."),
            ("email", "anna@", "Enter a valid e-mail address, like name@example.org."),
            ("phone", "12ab", "A phone number has digits only, with the country code, like 79261234567."),
        ],
    )
    def test_is_a_400_naming_the_field_and_nothing_changes(self, reader, card, field, value, message):
        response = reader.post(URL, profile(**{field: value}))
        assert response.status_code == 400
        page = response.content.decode()
        assert message in page and f'id="id_{field}"' in page
        card.refresh_from_db()
        assert card.birth_date == date(2008, 4, 1) and card.full_name == "Anna Ozola"

    def test_contacts_of_someone_else_are_refused_as_in_registration(self, reader, card, user_factory):
        user_factory(email="taken@example.org", phone="+37120000009")
        response = reader.post(URL, profile(email="Taken@example.org"))
        assert response.status_code == 409
        assert "A user with e-mail taken@example.org already exists" in response.content.decode()
        response = reader.post(URL, profile(phone="37120000009"))
        assert response.status_code == 409
        assert "A user with phone +37120000009 already exists" in response.content.decode()
        card.user.refresh_from_db()
        assert card.user.email == "anna@example.org" and card.user.phone is None

    def test_staff_without_a_card_and_visitors_have_no_profile(self, staff):
        assert staff.get(URL).status_code == 404
        assert Client().get(URL).status_code == 302
