"""The library's kiosk accounts page: create, change, deactivate; another library's account is a 404."""

import pytest
from django.test import Client

from abonement.sip2 import services
from abonement.sip2.models import SipAccount
from abonement.testing.factories import TEST_PASSWORD


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": user.username, "password": TEST_PASSWORD}).status_code == 302
    return client


@pytest.mark.django_db
def test_librarian_creates_edits_and_deactivates_a_kiosk(library_factory, librarian_factory):
    library = library_factory()
    client = signed_in(librarian_factory(library=library))
    response = client.post(
        "/staff/kiosks/",
        {"login": "k1", "institution_id": "LIB", "password": "long-enough", "charset": "cp1257", "may_checkout": "on"},
    )
    assert response.status_code == 302
    account = SipAccount.objects.get()
    assert (account.library, account.charset, account.may_checkout, account.may_pay) == (library, "cp1257", True, False)
    assert account.check_password("long-enough") and "long-enough" not in account.password_hash
    assert not account.user.has_usable_password()
    page = client.get("/staff/kiosks/")
    assert b"k1" in page.content and b"never" in page.content

    again = client.post(
        "/staff/kiosks/", {"login": "k1", "institution_id": "LIB", "password": "long-enough2", "charset": "utf-8"}
    )
    assert again.status_code == 400 and b"already used" in again.content
    short = client.post(
        "/staff/kiosks/", {"login": "k2", "institution_id": "LIB", "password": "short", "charset": "utf-8"}
    )
    assert short.status_code == 400 and SipAccount.objects.count() == 1

    response = client.post(f"/staff/kiosks/{account.pk}/", {"charset": "utf-8", "may_checkin": "on"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert not account.active and not account.may_checkout and account.may_checkin
    assert account.check_password("long-enough")


@pytest.mark.django_db
def test_another_librarys_kiosk_is_a_404(library_factory, librarian_factory):
    mine, theirs = library_factory(), library_factory()
    other = services.create_account(library=theirs, login="k", password="long-enough", institution_id="X")
    client = signed_in(librarian_factory(library=mine))
    assert client.get(f"/staff/kiosks/{other.pk}/").status_code == 404
    assert client.post(f"/staff/kiosks/{other.pk}/", {"charset": "utf-8"}).status_code == 404
    assert b"kiosks/%d/" % other.pk not in client.get("/staff/kiosks/").content
    other.refresh_from_db()
    assert other.active
