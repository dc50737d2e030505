"""Bulk registration of readers (SPEC A3) through the staff pages: paste, .xlsx, .csv, the sample file."""

import html
import io
import time
import zipfile
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tasks_db.models import DBTaskResult

from abonement.accounts.models import User
from abonement.core.spreadsheets import XLSX_TYPE
from abonement.notifications.models import Notice
from abonement.readers.models import Card, Group
from abonement.testing.factories import TEST_PASSWORD

URL = "/staff/readers/bulk/"
SAMPLE_URL = "/staff/readers/bulk/sample.xlsx"
CREDENTIALS_URL = "/staff/readers/bulk/credentials.xlsx"
HEADER = "Name\tBirth date\tE-mail\tPhone\tGroups"


@pytest.fixture
def library(library_factory):
    return library_factory(name="Skola 5", contact_email="skola5@example.lv")


def signed_in(librarian) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": librarian.username, "password": TEST_PASSWORD}).status_code == 302
    return client


@pytest.fixture
def staff(librarian_factory, library):
    return signed_in(librarian_factory(library=library))


def paste(*lines: str) -> str:
    return "\n".join(lines)


def post_paste(client, text: str, language: str = "en", **extra):
    return client.post(URL, {"rows": text, "language": language, **extra})


def post_file(client, name: str, content: bytes, content_type: str = XLSX_TYPE):
    return client.post(URL, {"file": SimpleUploadedFile(name, content, content_type), "rows": "", "language": "en"})


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_xlsx(content: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [tuple("" if v is None else v for v in row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def counts() -> tuple[int, ...]:
    return (
        Card.objects.count(),
        User.objects.count(),
        Group.objects.count(),
        Notice.objects.count(),
        DBTaskResult.objects.count(),
    )


def error_rows(response) -> list[tuple[str, str, str]]:
    """The errors table as (row, column, problem) texts."""
    text = response.content.decode()
    start = text.index('data-testid="import-errors"')
    body = text[text.index("<tbody>", start) : text.index("</tbody>", start)]
    rows = []
    for chunk in body.split("<tr>")[1:]:
        cells = [html.unescape(c.split("</td>")[0]) for c in chunk.split("<td>")[1:]]
        rows.append(tuple(cells))
    return rows


GOOD_ANNA = "Anna Bērziņa\t01.09.2012\tanna@example.org\t\t5a, Chess club"
GOOD_IVAN = "Иван Петров\t15.03.2011\t\t79261234567\t5A"
GOOD_JANIS = "Jānis Kalniņš\t28.02.2010\tjanis@example.org\t37120000000\t"


@pytest.mark.django_db
class TestPaste:
    def test_three_readers_groups_notices_and_a_credentials_file_whose_passwords_work(self, staff, library):
        Group.objects.create(library=library, name="5A")
        response = post_paste(staff, paste(HEADER, GOOD_ANNA, GOOD_IVAN, GOOD_JANIS, ""), email_credentials="on")
        assert response.status_code == 302 and response.url == URL + "?done=1"

        cards = {c.full_name: c for c in Card.objects.filter(library=library).select_related("user")}
        assert set(cards) == {"Anna Bērziņa", "Иван Петров", "Jānis Kalniņš"}
        assert {c.source for c in cards.values()} == {Card.Source.BULK_IMPORT}
        anna, ivan, janis = cards["Anna Bērziņa"], cards["Иван Петров"], cards["Jānis Kalniņš"]
        assert anna.birth_date == date(2012, 9, 1) and anna.user.email == "anna@example.org" and not anna.user.phone
        assert ivan.user.phone == "+79261234567" and ivan.user.email is None
        assert janis.user.phone == "+37120000000" and janis.user.language == "en"
        # the existing group is matched whatever the case; the unknown one is created once
        assert sorted(Group.objects.filter(library=library).values_list("name", flat=True)) == ["5A", "Chess club"]
        assert sorted(g.name for g in anna.groups.all()) == ["5A", "Chess club"]
        assert [g.name for g in ivan.groups.all()] == ["5A"] and not janis.groups.exists()

        # each reader gets their own notice; the library gets the file
        assert {(n.kind, n.to) for n in Notice.objects.exclude(kind="bulk_credentials")} == {
            ("reader_credentials", "anna@example.org"),
            ("reader_credentials_sms", "+79261234567"),
            ("reader_credentials", "janis@example.org"),
        }
        library_notice = Notice.objects.get(kind="bulk_credentials")
        assert library_notice.to == "skola5@example.lv" and library_notice.library == library
        assert "3 reader cards were created" in library_notice.body
        assert library_notice.attachment_name.endswith(".xlsx") and library_notice.attachment_type == XLSX_TYPE
        header, *rows = read_xlsx(bytes(library_notice.attachment))
        assert header == ("Card number", "Full name", "Birth date", "E-mail", "Phone", "Groups", "Password")
        assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
            ("Anna Bērziņa", "01.09.2012", "anna@example.org", "", "5A, Chess club"),
            ("Иван Петров", "15.03.2011", "", "79261234567", "5A"),
            ("Jānis Kalniņš", "28.02.2010", "janis@example.org", "37120000000", ""),
        ]
        for number, name, *_, password in rows:
            assert cards[name].number == number
            reader = Client(HTTP_ACCEPT_LANGUAGE="en")
            assert reader.post("/login/", {"identifier": number, "password": password}).status_code == 302
            assert reader.session["_auth_user_id"] == str(cards[name].user_id)
        # the reader's own notice carries the same password
        anna_password = next(r[-1] for r in rows if r[1] == "Anna Bērziņa")
        assert anna_password in Notice.objects.get(to="anna@example.org").body

        # the done page lists the cards and links the same file
        done = staff.get(response.url)
        page = done.content.decode()
        assert done.status_code == 200 and "3 reader cards were created." in page
        assert all(c.number in page and html.escape(c.full_name) in page for c in cards.values())
        assert CREDENTIALS_URL in page and "skola5@example.lv" in page and 'href="/staff/readers/"' in page
        download = staff.get(CREDENTIALS_URL)
        assert download.status_code == 200 and download["Content-Type"] == XLSX_TYPE
        assert download["Cache-Control"] == "no-store"
        assert download.content == bytes(library_notice.attachment)

    def test_form_page_explains_the_columns_and_offers_the_sample(self, staff):
        response = staff.get(URL)
        page = response.content.decode()
        assert response.status_code == 200
        assert 'enctype="multipart/form-data"' in page and 'for="id_rows"' in page and 'for="id_file"' in page
        assert SAMPLE_URL in page and "DD.MM.YYYY" in page

    def test_without_header_with_blank_lines_and_trailing_empty_cells(self, staff, library):
        text = paste("", "Anna\t01.09.2012\tanna@example.org\t\t\t\t", "", "Ivan\t15.03.2011\t\t79261234567", "  ")
        assert post_paste(staff, text).status_code == 302
        assert sorted(Card.objects.values_list("full_name", flat=True)) == ["Anna", "Ivan"]

    @pytest.mark.parametrize(
        "header",
        ["ФИО\tДата рождения\tЭл. почта\tТелефон\tГруппы", "Vārds, uzvārds\tDzimšanas datums\tE-pasts\tTālrunis"],
    )
    def test_header_in_russian_or_latvian_is_skipped(self, staff, header):
        assert post_paste(staff, paste(header, GOOD_ANNA)).status_code == 302
        assert Card.objects.get().full_name == "Anna Bērziņa"

    def test_reader_language_is_chosen_for_their_messages(self, staff):
        post_paste(staff, paste(GOOD_ANNA), language="lv")
        assert Card.objects.get().user.language == "lv"
        assert Notice.objects.get(kind="reader_credentials").language == "lv"

    def test_new_group_spelled_differently_in_two_rows_is_one_group(self, staff, library):
        text = paste("A\t01.09.2012\ta@example.org\t\tRobotics", "B\t01.09.2012\tb@example.org\t\tROBOTICS, robotics")
        assert post_paste(staff, text).status_code == 302
        group = Group.objects.get(library=library)
        assert group.name == "Robotics" and group.cards.count() == 2

    def test_library_without_contact_email_still_gets_the_file_by_download(self, staff, library):
        library.contact_email = ""
        library.save()
        response = post_paste(staff, paste(GOOD_ANNA))
        assert not Notice.objects.filter(kind="bulk_credentials").exists()
        assert "was not e-mailed" in staff.get(response.url).content.decode()
        assert read_xlsx(staff.get(CREDENTIALS_URL).content)[1][1] == "Anna Bērziņa"


@pytest.mark.django_db
class TestFiles:
    def test_xlsx_with_date_cells_numbers_and_text(self, staff, library):
        content = xlsx(
            [
                ["Name", "Birth date", "E-mail", "Phone", "Groups"],
                ["Anna Bērziņa", datetime(2012, 9, 1), "Anna@Example.org", None, "5A"],
                [None, None, None, None, None],
                ["Ivan Petrov", "15.03.2011", None, 79261234567, None],
            ]
        )
        response = post_file(staff, "class 5a.xlsx", content)
        assert response.status_code == 302
        anna = Card.objects.get(full_name="Anna Bērziņa")
        ivan = Card.objects.get(full_name="Ivan Petrov")
        assert anna.birth_date == date(2012, 9, 1) and anna.user.email == "anna@example.org"
        assert [g.name for g in anna.groups.all()] == ["5A"]
        assert ivan.birth_date == date(2011, 3, 15) and ivan.user.phone == "+79261234567"
        assert anna.library == ivan.library == library

    def test_xlsx_errors_use_the_sheet_row_numbers(self, staff):
        content = xlsx(
            [
                ["Name", "Birth date", "E-mail", "Phone"],
                ["A", "01.09.2012", "a@example.org", None],
                [],
                ["B", "31.02.2010", "b@example.org", None],
            ]
        )
        response = post_file(staff, "list.xlsx", content)
        assert response.status_code == 400
        assert error_rows(response) == [("4", "Birth date", "There is no such date as 31.02.2010.")]

    @pytest.mark.parametrize(
        ("delimiter", "bom"),
        [(",", True), (";", False), (";", True), (",", False)],
        ids=["comma-bom", "semicolon", "semicolon-bom", "comma"],
    )
    def test_csv_with_comma_or_semicolon_with_or_without_bom(self, staff, delimiter, bom):
        lines = [
            delimiter.join(["Name", "Birth date", "E-mail", "Phone", "Groups"]),
            delimiter.join(["Anna Bērziņa", "01.09.2012", "anna@example.org", "", '"5A, Chess club"']),
            delimiter.join(["Ivan Petrov", "15.03.2011", "", "79261234567", ""]),
        ]
        content = ("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n"
        response = post_file(staff, "readers.csv", content.encode(), "text/csv")
        assert response.status_code == 302
        anna = Card.objects.get(full_name="Anna Bērziņa")
        assert sorted(g.name for g in anna.groups.all()) == ["5A", "Chess club"]
        assert Card.objects.get(full_name="Ivan Petrov").user.phone == "+79261234567"

    def test_a_chosen_file_is_imported_instead_of_the_pasted_rows(self, staff):
        content = xlsx([["Name", "Birth date", "E-mail", "Phone"], ["From File", "01.09.2012", "f@example.org", None]])
        data = {"rows": "Not imported\tsoon\t\t\t", "file": SimpleUploadedFile("a.xlsx", content), "language": "en"}
        assert staff.post(URL, data).status_code == 302
        assert list(Card.objects.values_list("full_name", flat=True)) == ["From File"]

    def test_sample_is_a_valid_xlsx_whose_rows_import(self, staff, library):
        response = staff.get(SAMPLE_URL)
        assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
        assert "attachment" in response["Content-Disposition"]
        header, *rows = read_xlsx(response.content)
        assert header[0] == "Name" and "DD.MM.YYYY" in header[1] and len(rows) == 3
        assert post_file(staff, "readers-sample.xlsx", response.content).status_code == 302
        assert Card.objects.filter(library=library).count() == 3
        assert sorted(Group.objects.filter(library=library).values_list("name", flat=True)) == [
            "5A",
            "6B",
            "Chess club",
        ]


SOON = (date.today() + timedelta(days=2)).strftime("%d.%m.%Y")  # in the future in any time zone


@pytest.mark.django_db
class TestBadRows:
    """One bad row among good ones: 400, the row, column and rule are shown, the paste stays, nothing is created."""

    @pytest.mark.parametrize(
        ("bad_row", "column", "problem"),
        [
            ("Ann\t31.02.2010\tann@example.org\t\t", "Birth date", "There is no such date as 31.02.2010."),
            (
                "Ann\t" + SOON + "\tann@example.org\t\t",
                "Birth date",
                f"The birth date {SOON} is in the future.",
            ),
            (
                "Ann\tlast spring\tann@example.org\t\t",
                "Birth date",
                "“last spring” is not a date: write it as DD.MM.YYYY, like 01.09.2012.",
            ),
            ("Ann\t01.01.1850\tann@example.org\t\t", "Birth date", "The birth date 01.01.1850 is too long ago."),
            ("Ann\t\tann@example.org\t\t", "Birth date", "Enter the birth date."),
            (
                "Ann\t01.09.2012\tann.example.org\t\t",
                "E-mail",
                "“ann.example.org” is not a valid e-mail address, like name@example.org.",
            ),
            (
                "Ann\t01.09.2012\t\t7926abc4567\t",
                "Phone",
                "The phone “7926abc4567” has letters: write digits only, like 79261234567.",
            ),
            (
                "Ann\t01.09.2012\t\t792612345\t",
                "Phone",
                "792612345 is not a valid phone number: give it with the country code, like 79261234567.",
            ),
            (
                "Ann\t01.09.2012\t\t3712000000000\t",
                "Phone",
                "3712000000000 is not a valid phone number: give it with the country code, like 79261234567.",
            ),
            ("Ann\t01.09.2012\t\t\t", "E-mail", "Give an e-mail or a phone: the login and password are sent there."),
            ("\t01.09.2012\tann@example.org\t\t", "Name", "Enter the reader's full name."),
            (
                "A" * 201 + "\t01.09.2012\tann@example.org\t\t",
                "Name",
                f"The name “{'A' * 40}…” is longer than 200 characters.",
            ),
            (
                "Ann\t01.09.2012\tann@example.org\t\t5A, " + "G" * 151,
                "Groups",
                f"The group name “{'G' * 40}…” is longer than 150 characters.",
            ),
            (
                "Ann\t01.09.2012\tann@example.org",
                "Phone",
                "Missing column: Phone. The columns are name, birth date, e-mail, phone, groups.",
            ),
            (
                "Ann\t01.09.2012",
                "E-mail",
                "Missing column: E-mail, Phone. The columns are name, birth date, e-mail, phone, groups.",
            ),
            (
                "Ann\t01.09.2012\tann@example.org\t\t5A\tteacher: Ozola",
                "—",
                "Extra columns: the row has 6 columns (“teacher: Ozola” is beyond the fifth), only 5 are read: "
                "name, birth date, e-mail, phone, groups.",
            ),
        ],
        ids=[
            "31-february",
            "future",
            "text-date",
            "too-old",
            "no-date",
            "email-without-at",
            "phone-letters",
            "phone-too-short",
            "phone-too-long-for-country",
            "no-contact",
            "no-name",
            "long-name",
            "long-group",
            "missing-column",
            "missing-two-columns",
            "extra-column",
        ],
    )
    def test_bad_row(self, staff, bad_row, column, problem):
        before = counts()
        text = paste(HEADER, GOOD_ANNA, bad_row, GOOD_JANIS)
        response = post_paste(staff, text)
        assert response.status_code == 400
        assert error_rows(response) == [("3", column, problem)]
        page = response.content.decode()
        assert "Nothing was registered" in page and "<caption>" in page
        assert html.escape(text, quote=False) in page  # the paste is kept in the textarea
        assert counts() == before

    def test_all_errors_are_collected_not_just_the_first(self, staff):
        text = paste("Ann\t31.02.2010\tann.example.org\t\t", GOOD_ANNA, "Bob\tsoon\t\t79abc\t")
        response = post_paste(staff, text)
        assert error_rows(response) == [
            ("1", "Birth date", "There is no such date as 31.02.2010."),
            ("1", "E-mail", "“ann.example.org” is not a valid e-mail address, like name@example.org."),
            ("3", "Birth date", "“soon” is not a date: write it as DD.MM.YYYY, like 01.09.2012."),
            ("3", "Phone", "The phone “79abc” has letters: write digits only, like 79261234567."),
        ]
        assert not Card.objects.exists()

    def test_the_same_email_twice_in_one_paste(self, staff):
        before = counts()
        text = paste(GOOD_ANNA, GOOD_IVAN, "Anna Ozola\t02.02.2012\tANNA@example.org\t\t")
        response = post_paste(staff, text)
        assert response.status_code == 400
        assert error_rows(response) == [("3", "E-mail", "The same e-mail anna@example.org as in row 1.")]
        assert counts() == before

    def test_extra_value_after_an_empty_sixth_column_is_named(self, staff):
        response = post_paste(staff, paste("Ann\t01.09.2012\tann@example.org\t\t\t\tnote\t\t"))
        assert [(r[0], r[1]) for r in error_rows(response)] == [("1", "—")]
        assert "the row has 7 columns (“note” is beyond the fifth)" in error_rows(response)[0][2]

    def test_the_same_phone_twice_written_differently(self, staff):
        text = paste(GOOD_IVAN, "Petr\t01.01.2011\t\t+7 (926) 123-45-67\t", "Olga\t01.01.2011\t\t0079261234567\t")
        assert error_rows(post_paste(staff, text)) == [
            ("2", "Phone", "The same phone +79261234567 as in row 1."),
            ("3", "Phone", "The same phone +79261234567 as in row 1."),
        ]

    def test_email_or_phone_of_another_librarys_reader(self, staff, library_factory, card_factory):
        other = library_factory()
        card_factory(library=other, user__email="anna@example.org", user__phone=None)
        card_factory(library=other, user__email=None, user__phone="+37120000000")
        before = counts()
        response = post_paste(staff, paste(HEADER, GOOD_ANNA.replace("anna@", "ANNA@"), GOOD_IVAN, GOOD_JANIS))
        assert response.status_code == 400
        assert error_rows(response) == [
            (
                "2",
                "E-mail",
                "A user with e-mail anna@example.org already exists — give another e-mail, or a phone instead.",
            ),
            ("4", "Phone", "A user with phone +37120000000 already exists — give another phone, or an e-mail instead."),
        ]
        assert counts() == before

    def test_more_than_a_page_of_errors_is_summarised(self, staff):
        text = paste(*[f"Reader {n}\tnot a date\tr{n}@example.org\t\t" for n in range(1200)])
        response = post_paste(staff, text)
        assert response.status_code == 400
        assert len(error_rows(response)) == 1000
        assert "…and 200 more problems." in response.content.decode()


@pytest.mark.django_db
class TestBadInput:
    """Inputs refused as a whole: one clear message, 4xx, nothing created."""

    def refused(self, response, status, message):
        assert response.status_code == status
        assert error_rows(response) == [("—", "—", message)]

    def test_empty_paste(self, staff):
        before = counts()
        self.refused(
            post_paste(staff, "  \n\t\t\n"),
            400,
            "There is nothing to import: paste rows from a spreadsheet or choose a file.",
        )
        assert counts() == before

    def test_10001_rows(self, staff):
        before = counts()
        text = paste(HEADER, *[f"Reader {n}\t01.09.2012\tr{n}@example.org\t\t" for n in range(10_001)])
        self.refused(
            post_paste(staff, text),
            413,
            "The list has more than 10,000 rows. Split it into several imports of at most 10,000 rows.",
        )
        assert counts() == before

    def test_a_million_styled_empty_rows_are_refused_quickly(self, staff):
        """The sheet is not read to its end: the answer names the row cap long before gunicorn's 30 s timeout."""
        buffer = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(xlsx([["Anna", "01.09.2012", "a@example.org", ""]]))) as source,
            zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target,
        ):
            for item in source.infolist():
                if item.filename != "xl/worksheets/sheet1.xml":
                    target.writestr(item, source.read(item))
            with target.open("xl/worksheets/sheet1.xml", "w") as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
                sheet.write(b'<dimension ref="A1:A1"/><sheetData>')  # a dimension that lies
                for start in range(1, 1_000_001, 100_000):
                    rows = range(start, start + 100_000)
                    sheet.write("".join(f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in rows).encode())
                sheet.write(b"</sheetData></worksheet>")
        content = buffer.getvalue()
        assert len(content) < 5 * 1024 * 1024
        before = counts()
        started = time.monotonic()
        response = post_file(staff, "class.xlsx", content)
        elapsed = time.monotonic() - started
        self.refused(
            response,
            413,
            "The list goes on past row 20,000 (empty rows count too). Delete the empty rows below the readers, or "
            "split the list into imports of at most 10,000 rows.",
        )
        assert elapsed < 5, elapsed
        assert counts() == before

    def test_a_sheet_whose_rows_jump_past_the_cap_is_refused(self, staff):
        rows = (
            [["Anna", "01.09.2012", "a@example.org", ""]] + [[None]] * 20_000 + [["Jānis", "02.09.2012", "j@x.lv", ""]]
        )
        response = post_file(staff, "class.xlsx", xlsx(rows))
        assert response.status_code == 413 and "past row 20,000" in html.unescape(response.content.decode())
        assert not Card.objects.exists()

    def test_a_paste_or_csv_past_the_line_cap_is_refused(self, staff):
        text = paste(GOOD_ANNA, *[""] * 20_000, GOOD_JANIS)
        assert post_paste(staff, text).status_code == 413
        response = post_file(staff, "list.csv", text.replace("\t", ";").encode(), "text/csv")
        assert response.status_code == 413 and "past row 20,000" in html.unescape(response.content.decode())
        assert not Card.objects.exists()

    def test_binary_file_named_xlsx(self, staff):
        before = counts()
        self.refused(
            post_file(staff, "class.xlsx", bytes(range(256)) * 40),
            400,
            "“class.xlsx” is not a readable .xlsx file. Save it from Excel or LibreOffice as “Excel "
            "Workbook (.xlsx)” and upload it again.",
        )
        assert counts() == before

    def test_zip_that_is_not_a_workbook(self, staff):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hello")
        response = post_file(staff, "class.xlsx", buffer.getvalue())
        assert response.status_code == 400 and "is not a readable .xlsx file" in response.content.decode()

    def test_xlsm_is_refused(self, staff):
        before = counts()
        self.refused(
            post_file(staff, "class.xlsm", xlsx([["Anna", "01.09.2012", "anna@example.org"]])),
            400,
            "Files with macros (class.xlsm) are not accepted: save the sheet as “Excel Workbook (.xlsx)” "
            "and upload it again.",
        )
        assert counts() == before

    def test_macro_workbook_renamed_to_xlsx_is_refused(self, staff):
        buffer = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(xlsx([["Anna", "01.09.2012", "a@example.org", ""]]))) as source,
            zipfile.ZipFile(buffer, "w") as target,
        ):
            for item in source.infolist():
                target.writestr(item, source.read(item))
            target.writestr("xl/vbaProject.bin", b"\x00" * 64)
        response = post_file(staff, "class.xlsx", buffer.getvalue())
        assert response.status_code == 400 and "Files with macros" in response.content.decode()
        assert not Card.objects.exists()

    @pytest.mark.parametrize("name", ["class.xls", "class.txt", "class.ods", "class"])
    def test_other_file_types_are_refused(self, staff, name):
        self.refused(
            post_file(staff, name, b"Anna\t01.09.2012\tanna@example.org\t"),
            400,
            f"Upload an .xlsx or a .csv file; “{name}” is neither.",
        )

    def test_zip_bomb(self, staff):
        """A small, valid zip whose sheet unpacks to 60 MB of zeros is refused before openpyxl opens it."""
        buffer = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(xlsx([["Anna", "01.09.2012", "a@example.org", ""]]))) as source,
            zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target,
        ):
            for item in source.infolist():
                if item.filename != "xl/worksheets/sheet1.xml":
                    target.writestr(item, source.read(item))
            with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
                chunk = b"\x00" * (1024 * 1024)
                for _ in range(60):
                    member.write(chunk)
        content = buffer.getvalue()
        assert len(content) < 200_000
        before = counts()
        self.refused(
            post_file(staff, "class.xlsx", content),
            413,
            "“class.xlsx” unpacks to more than 50 MB: that is too much for a list of readers.",
        )
        assert counts() == before

    def test_file_larger_than_the_limit(self, staff):
        row = "Reader\t01.09.2012\treader@example.org\t\t\n"
        content = (row * (5 * 1024 * 1024 // len(row) + 1)).encode()
        self.refused(post_file(staff, "big.csv", content, "text/csv"), 413, "The file “big.csv” is larger than 5 MB.")

    def test_csv_that_is_not_utf8(self, staff):
        content = "Имя;Дата рождения;Почта;Телефон\nАнна;01.09.2012;anna@example.org;\n".encode("cp1251")
        self.refused(
            post_file(staff, "list.csv", content, "text/csv"),
            400,
            "“list.csv” is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.",
        )


@pytest.mark.django_db
class TestAccess:
    def test_import_goes_into_the_current_library_and_other_staff_see_nothing(
        self, staff, library, library_factory, librarian_factory
    ):
        other_library = library_factory(contact_email="other@example.org")
        other_staff = signed_in(librarian_factory(library=other_library))
        post_paste(staff, paste(GOOD_ANNA))
        assert Card.objects.get().library == library
        assert not Notice.objects.filter(to="other@example.org").exists()
        assert other_staff.get(CREDENTIALS_URL).status_code == 410
        assert other_staff.get(URL + "?done=1").url == URL  # nothing to show: back to the form
        assert "Anna Bērziņa" not in other_staff.get(URL + "?done=1", follow=True).content.decode()
        post_paste(other_staff, paste(GOOD_JANIS))
        assert Card.objects.get(full_name="Jānis Kalniņš").library == other_library

    def test_credentials_are_no_longer_served_after_the_window(self, staff):
        post_paste(staff, paste(GOOD_ANNA))
        assert staff.get(CREDENTIALS_URL).status_code == 200
        session = staff.session
        kept = session["readers_batch"]
        kept["at"] = (datetime.fromisoformat(kept["at"]) - timedelta(minutes=15, seconds=1)).isoformat()
        session["readers_batch"] = kept
        session.save()
        gone = staff.get(CREDENTIALS_URL)
        assert gone.status_code == 410 and "The passwords are no longer available" in gone.content.decode()
        assert "readers_batch" not in staff.session

    def test_readers_and_anonymous_visitors_cannot_import(self, card_factory):
        anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert anonymous.get(URL).status_code == 302
        assert anonymous.post(URL, {"rows": GOOD_ANNA, "language": "en"}).status_code == 302
        reader = Client(HTTP_ACCEPT_LANGUAGE="en")
        reader.post("/login/", {"identifier": card_factory().number, "password": TEST_PASSWORD})
        assert reader.post(URL, {"rows": GOOD_ANNA, "language": "en"}).status_code == 403
        assert reader.get(SAMPLE_URL).status_code == 403
        assert reader.get(CREDENTIALS_URL).status_code == 403
        assert not Card.objects.filter(full_name="Anna Bērziņa").exists()


def test_library_receives_the_file_by_real_mail(run_worker, smtp_server, library_factory, librarian_factory):
    library = library_factory(name="Skola 7", contact_email="skola7@example.lv")
    staff = signed_in(librarian_factory(library=library))
    assert post_paste(staff, paste(HEADER, GOOD_ANNA, GOOD_IVAN, GOOD_JANIS), email_credentials="on").status_code == 302
    run_worker()
    by_recipient = {m["To"]: m for m in smtp_server.messages}
    assert set(by_recipient) == {"skola7@example.lv", "anna@example.org", "janis@example.org"}
    message = by_recipient["skola7@example.lv"]
    assert "Skola 7" in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".xlsx") and attachment.get_content_type() == XLSX_TYPE
    header, *rows = read_xlsx(attachment.get_content())
    assert [r[1] for r in rows] == ["Anna Bērziņa", "Иван Петров", "Jānis Kalniņš"]
    anna_password = rows[0][-1]
    assert anna_password in by_recipient["anna@example.org"].get_body(preferencelist=("plain",)).get_content()
    assert Notice.objects.filter(status=Notice.Status.SENT).count() == 4  # three readers (one by SMS) and the library


def test_the_library_gets_no_file_by_real_mail_unless_asked(
    run_worker, smtp_server, library_factory, librarian_factory
):
    library = library_factory(name="Skola 8", contact_email="skola8@example.lv")
    staff = signed_in(librarian_factory(library=library))
    form = staff.get(URL).content.decode()
    assert 'name="email_credentials"' in form and "checked" not in form.split('name="email_credentials"')[1][:40]
    response = post_paste(staff, paste(GOOD_ANNA))
    assert response.status_code == 302
    run_worker()
    assert [m["To"] for m in smtp_server.messages] == ["anna@example.org"]  # the reader's own, no file
    assert not Notice.objects.filter(kind="bulk_credentials").exists()
    assert "was not e-mailed" in staff.get(response.url).content.decode()
    assert read_xlsx(staff.get(CREDENTIALS_URL).content)[1][1] == "Anna Bērziņa"  # downloaded instead

    assert post_paste(staff, paste(GOOD_JANIS), email_credentials="on").status_code == 302
    run_worker()
    to_library = [m for m in smtp_server.messages if m["To"] == "skola8@example.lv"]
    assert len(to_library) == 1 and len(list(to_library[0].iter_attachments())) == 1


@pytest.mark.django_db
def test_asking_to_e_mail_the_file_without_a_library_address_is_refused(staff, library):
    library.contact_email = ""
    library.save()
    response = post_paste(staff, paste(GOOD_ANNA), email_credentials="on")
    assert response.status_code == 400 and "no contact e-mail to send the file to" in response.content.decode()
    assert not Card.objects.exists()
