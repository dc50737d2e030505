"""The passwords of a batch (a bulk registration, a group's new passwords) after it is done: readable for a few
minutes by the librarian's own session in the librarian's own browser, and nowhere readable in the session store
(decision 0014)."""

import base64
import io
import re

import openpyxl
import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from abonement.accounts.models import User
from abonement.core.models import Event
from abonement.readers.models import Card, Group
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


SLIPS_URL = "/staff/readers/bulk/slips/"


def slips_on(html: str) -> list[tuple[str, str]]:
    """(card number, password) of every slip on the sheet."""
    return re.findall(
        r'<dd class="credential">(\d+)</dd>\s*<dt>[^<]*</dt><dd class="credential">([a-z0-9-]{17})</dd>', html
    )


@pytest.mark.django_db
class TestBulkSlips:
    def test_the_sheet_shows_each_readers_slip_with_the_login_address_and_is_not_stored(
        self, librarian, library, settings
    ):
        settings.SITE_URL = "https://abonement.example.lv"
        staff = signed_in(librarian)
        register(staff)
        done = staff.get(URL + "?done=1").content.decode()
        assert SLIPS_URL in done and "was not e-mailed" in done
        sheet = staff.get(SLIPS_URL)
        html = sheet.content.decode()
        assert sheet.status_code == 200 and "no-store" in sheet["Cache-Control"]
        assert html.count('class="sheet-slip"') == 3 and html.count('class="slip-sheet"') == 1
        assert html.count("https://abonement.example.lv/login/") == 3 and html.count("Skola 5") >= 3
        assert "Anna Bērziņa · 5A" in html and "Jānis Kalniņš</p>" in html
        slips = slips_on(html)
        assert [number for number, _ in slips] == sorted(Card.objects.values_list("number", flat=True))
        assert dict(slips) == passwords_in(staff.get(CREDENTIALS_URL).content)
        for stored in session_store():
            assert all(password not in stored for _, password in slips)
        assert staff.get(SLIPS_URL).content.decode().count('class="sheet-slip"') == 3  # again, for a reprint
        assert_gone(signed_in(librarian).get(SLIPS_URL))

    def test_slips_come_ten_to_a_sheet(self, librarian):
        staff = signed_in(librarian)
        rows = "\n".join(f"Reader {i:02}\t01.09.2012\treader{i}@example.org\t\t5A" for i in range(23))
        response = staff.post(URL, {"rows": rows, "language": "en"})
        assert response.status_code == 302
        html = staff.get(SLIPS_URL).content.decode()
        sheets = html.split('class="slip-sheet"')[1:]
        assert [sheet.count('class="sheet-slip"') for sheet in sheets] == [10, 10, 3]


GROUP_READERS = ["Anna Bērziņa", "Bruno Ozols", "Cēsis Liepa"]


@pytest.fixture
def group(library, card_factory):
    group = Group.objects.create(library=library, name="5A")
    for name in GROUP_READERS:
        card_factory(library=library, full_name=name).groups.add(group)
    card_factory(library=library, full_name="Not in the group")
    return group


@pytest.mark.django_db
class TestGroupSlips:
    def test_the_group_page_asks_first_and_a_get_changes_nothing(self, librarian, group):
        staff = signed_in(librarian)
        url = f"/staff/groups/{group.pk}/passwords/"
        assert url in staff.get(f"/staff/groups/{group.pk}/").content.decode()
        hashes = sorted(User.objects.values_list("password", flat=True))
        confirm = staff.get(url)
        html = confirm.content.decode()
        assert confirm.status_code == 200 and "Set new passwords for all 3 readers of the group “5A”?" in html
        assert '<form method="post"' in html and "signed out everywhere" in html
        assert sorted(User.objects.values_list("password", flat=True)) == hashes
        assert not Event.objects.filter(kind=Event.Kind.READER_PASSWORD_RESET).exists()

    def test_new_passwords_for_the_group_are_printed_work_sign_readers_out_and_are_recorded(
        self, librarian, group, library
    ):
        readers = {c.full_name: c for c in Card.objects.select_related("user")}
        signed_in_reader = Client()
        assert (
            signed_in_reader.post(
                "/login/", {"identifier": readers["Bruno Ozols"].number, "password": TEST_PASSWORD}
            ).status_code
            == 302
        )
        staff = signed_in(librarian)
        response = staff.post(f"/staff/groups/{group.pk}/passwords/")
        slips_url = f"/staff/groups/{group.pk}/slips/"
        assert response.status_code == 302 and response.url == slips_url
        cookie = response.cookies["readers_batch"]
        assert cookie["path"] == slips_url and cookie["httponly"] and cookie["samesite"] == "Strict"

        sheet = staff.get(slips_url)
        html = sheet.content.decode()
        assert sheet.status_code == 200 and "no-store" in sheet["Cache-Control"]
        assert "Not in the group" not in html and html.count("· 5A</p>") == 3
        slips = slips_on(html)
        by_number = {c.number: c for c in readers.values()}
        assert [by_number[number].full_name for number, _ in slips] == GROUP_READERS  # in name order
        for number, password in slips:
            assert Client().post("/login/", {"identifier": number, "password": password}).status_code == 302
        outsider = readers["Not in the group"]
        assert Client().post("/login/", {"identifier": outsider.number, "password": TEST_PASSWORD}).status_code == 302
        assert signed_in_reader.get("/my/").status_code == 302  # signed out by the reset
        events = Event.objects.filter(kind=Event.Kind.READER_PASSWORD_RESET)
        assert sorted(e.card.full_name for e in events) == GROUP_READERS
        assert {(e.actor_id, e.library_id) for e in events} == {(librarian.pk, library.pk)}
        for stored in session_store():
            assert all(password not in stored for _, password in slips)
        assert_gone(signed_in(librarian).get(slips_url))

    def test_only_post_resets_and_another_librarys_group_is_a_404(
        self, librarian, group, librarian_factory, library_factory
    ):
        other = signed_in(librarian_factory(library=library_factory()))
        assert other.post(f"/staff/groups/{group.pk}/passwords/").status_code == 404
        assert other.get(f"/staff/groups/{group.pk}/slips/").status_code == 404
        assert not Event.objects.filter(kind=Event.Kind.READER_PASSWORD_RESET).exists()

    def test_an_empty_group_gets_no_batch(self, librarian, library):
        empty = Group.objects.create(library=library, name="Empty")
        staff = signed_in(librarian)
        response = staff.post(f"/staff/groups/{empty.pk}/passwords/", follow=True)
        assert "The group has no readers" in response.content.decode()
        assert "readers_batch" not in staff.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "question", "sheet"),
    [
        ("ru", "Задать новые пароли всем 3 читателям группы «5A»?", "3 листка, по 10 на страницу A4"),
        ("lv", "Iestatīt jaunas paroles visiem 3 grupas “5A” lasītājiem?", "3 lapiņas, pa 10 uz A4 lapas"),
    ],
)
def test_the_group_pages_in_russian_and_latvian(librarian, group, language, question, sheet):
    staff = signed_in(librarian)
    staff.post("/i18n/setlang/", {"language": language, "next": "/staff/"})
    assert question in staff.get(f"/staff/groups/{group.pk}/passwords/").content.decode()
    response = staff.post(f"/staff/groups/{group.pk}/passwords/")
    assert sheet in staff.get(response.url).content.decode()
