"""The reader category on the staff card form (SPEC P4: circulation rules may differ by reader category)."""

import pytest
from django.test import Client

from abonement.core.models import Event
from abonement.testing.factories import TEST_PASSWORD


@pytest.fixture
def setup(library_factory, librarian_factory, card_factory):
    library = library_factory()
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    librarian = librarian_factory(library=library)
    assert staff.post("/login/", {"identifier": librarian.username, "password": TEST_PASSWORD}).status_code == 302
    card = card_factory(library=library, full_name="Anna Liepa")
    return staff, card


def form(card, **overrides):
    return {
        "full_name": card.full_name,
        "birth_date": card.birth_date.isoformat(),
        "email": "",
        "phone": "",
        **overrides,
    }


@pytest.mark.django_db
def test_staff_set_the_category_and_it_is_logged(setup):
    staff, card = setup
    page = staff.get(f"/staff/readers/{card.pk}/edit/").content.decode()
    assert 'name="category"' in page and "Pupil or student" in page
    assert staff.post(f"/staff/readers/{card.pk}/edit/", form(card, category="pupil")).status_code == 302
    card.refresh_from_db()
    assert card.category == "pupil"
    assert "category" in Event.objects.get(kind=Event.Kind.READER_CHANGED).details["fields"]


@pytest.mark.django_db
def test_an_unknown_category_is_400_and_nothing_changes(setup):
    staff, card = setup
    response = staff.post(f"/staff/readers/{card.pk}/edit/", form(card, category="wizard"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    card.refresh_from_db()
    assert card.category == "adult"
