"""The passwords of a batch (a bulk registration, a group's new passwords) after it is done: readable for a few
minutes by the librarian's own session in the librarian's own browser, and nowhere readable in the session store
(decision 0014)."""

import base64
import io

import openpyxl
import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from abonement.readers.models import Card
from abonement.testing.factories import TEST_PASSWORD

URL = "/staff/readers/bulk/"
CREDENTIALS_URL = "/staff/readers/bulk/credentials.xlsx"
ROWS = "\n".join(
    [
        "Anna Bērziņa\t01.09.2012\tanna@example.org\t\t5A",
        "Иван Петров\t15.03.2011\t\t79261234567\t5A",
        "Jānis Kalniņš\t28.02.2010\tjanis@example.org\t\t",
    ]
)
GONE = "The passwords are no longer available"


@pytest.fixture
def library(library_factory):
    return library_factory(name="Skola 5", contact_email="skola5@example.lv")


@pytest.fixture
def librarian(librarian_factory, library):
    return librarian_factory(library=library)


def signed_in(librarian) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": librarian.username, "password": TEST_PASSWORD}).status_code == 302
    return client


def register(client, **extra):
    response = client.post(URL, {"rows": ROWS, "language": "en", **extra})
    assert response.status_code == 302 and response.url == URL + "?done=1"
    return response


def passwords_in(content: bytes) -> dict[str, str]:
    """Card number → password, as the downloaded file has them."""
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    _header, *rows = sheet.iter_rows(values_only=True)
    return {row[0]: row[-1] for row in rows}


def session_store() -> list[str]:
    """Every session row as stored and as decoded."""
    return [text for s in Session.objects.all() for text in (s.session_data, str(s.get_decoded()))]


def assert_gone(response):
    assert response.status_code == 410 and GONE in response.content.decode()
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
class TestBulkBatch:
    def test_no_password_and_no_file_sits_readable_in_the_session_store(self, librarian):
        staff = signed_in(librarian)
        register(staff)
        stored_after_post = session_store()
        assert staff.get(URL + "?done=1").status_code == 200
        download = staff.get(CREDENTIALS_URL)
        assert download.status_code == 200 and download["Cache-Control"] == "no-store"
        passwords = passwords_in(download.content)
        assert len(passwords) == 3 and set(passwords) == set(Card.objects.values_list("number", flat=True))
        file_b64 = base64.b64encode(download.content).decode()
        for stored in stored_after_post + session_store():
            assert all(password not in stored for password in passwords.values())
            assert file_b64[:40] not in stored
        # each password works; the download can be repeated within the window
        assert staff.get(CREDENTIALS_URL).content == download.content
        number, password = next(iter(passwords.items()))
        assert Client().post("/login/", {"identifier": number, "password": password}).status_code == 302

    def test_the_key_is_a_short_lived_httponly_strict_cookie_on_the_bulk_path_only(self, librarian):
        response = register(signed_in(librarian))
        cookie = response.cookies["readers_batch"]
        assert cookie["path"] == URL and cookie["httponly"] and cookie["samesite"] == "Strict"
        assert 0 < int(cookie["max-age"]) <= 15 * 60

    def test_another_client_of_the_same_librarian_gets_nothing(self, librarian):
        staff = signed_in(librarian)
        register(staff)
        assert_gone(signed_in(librarian).get(CREDENTIALS_URL))

    def test_the_session_without_the_browsers_cookie_gets_nothing(self, librarian):
        staff = signed_in(librarian)
        register(staff)
        del staff.cookies["readers_batch"]
        assert_gone(staff.get(CREDENTIALS_URL))

    def test_the_cookie_in_another_session_gets_nothing(self, librarian):
        staff = signed_in(librarian)
        cookie = register(staff).cookies["readers_batch"].value
        colleague = signed_in(librarian)
        colleague.cookies["readers_batch"] = cookie
        assert_gone(colleague.get(CREDENTIALS_URL))

    def test_a_forged_cookie_gets_nothing(self, librarian):
        staff = signed_in(librarian)
        cookie = register(staff).cookies["readers_batch"].value
        staff.cookies["readers_batch"] = cookie[:-2] + ("xx" if not cookie.endswith("xx") else "yy")
        assert_gone(staff.get(CREDENTIALS_URL))

    def test_after_signing_out_nothing_can_be_recovered(self, librarian):
        staff = signed_in(librarian)
        register(staff)
        assert staff.get(CREDENTIALS_URL).status_code == 200
        staff.post("/logout/")
        staff.post("/login/", {"identifier": librarian.username, "password": TEST_PASSWORD})
        assert "readers_batch" in staff.cookies  # the browser's half is still there, alone
        assert_gone(staff.get(CREDENTIALS_URL))
        assert staff.get(URL + "?done=1").url == URL
