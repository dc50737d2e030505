"""Collections with the mass issue (SPEC G3) and library statistics with their files (SPEC R1–R5), in a real
Chromium (Debian's /usr/bin/chromium) driven by Playwright. Browser fixtures: conftest.py; helpers: flows.py.
"""

import csv
import io
import re
import zoneinfo
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from flows import label, path_is, sign_in
from playwright.sync_api import Page, expect

from abonement.catalog.search import indexer
from abonement.circulation import services as circulation
from abonement.circulation.models import Loan
from abonement.collections.models import Collection, CollectionGroup
from abonement.core import clock
from abonement.libraries.models import CreditEntry
from abonement.notifications.models import Notice
from abonement.readers.models import Group
from abonement.testing.factories import TEST_PASSWORD

GENERAL_HEADER = [
    "Day",
    "Loans issued",
    "of them e-books",
    "of them paper books",
    "Visits",
    "Registrations",
    "Credits spent",
]

pytestmark = pytest.mark.browser


def ledger_sum(library) -> int:
    return sum(CreditEntry.objects.filter(library=library).values_list("amount", flat=True))


def years_ago(years: int) -> date:
    today = date.today()
    return date(today.year - years, 1, 1)


def open_from_desk(page: Page, link: str) -> None:
    """The librarian's desk (/staff/) has a tile for every staff page."""
    page.goto("/staff/")
    page.get_by_role("main").get_by_role("link", name=link, exact=True).click()


# ---- A. Mass issue of a collection to a group (SPEC G3) --------------------------------------------


def test_librarian_builds_a_collection_and_issues_it_to_a_group(
    page, live_server, library_factory, librarian_factory, operator_factory, card_factory, title_factory
):
    library = library_factory(name="Purvciems Library", loan_days=30)
    operator = operator_factory(network=library.network)
    circulation.grant_credits(operator=operator, library=library, amount=50, note="School year")
    librarian = librarian_factory(library=library, first_name="Mara", last_name="Desk")

    class_9b = Group.objects.create(library=library, name="9 B")
    anna = card_factory(library=library, full_name="Anna Bērziņa", birth_date=years_ago(25))
    janis = card_factory(library=library, full_name="Jānis Ozols", birth_date=years_ago(40))
    liga = card_factory(library=library, full_name="Līga Kalna", birth_date=years_ago(12))  # too young for 16+
    for card in (anna, janis, liga):
        card.groups.add(class_9b)
    class_10a = Group.objects.create(library=library, name="10 A")  # not ticked: gets nothing
    outsider = card_factory(library=library, full_name="Other Class", birth_date=years_ago(16))
    outsider.groups.add(class_10a)

    wolf = title_factory(title="The Sea Wolf", price=2, age_rating=0)
    troubles = title_factory(title="Sea of Troubles", price=3, age_rating=16)
    birds = title_factory(title="Sea Birds", price=1, age_rating=0)  # found, not ticked
    garden = title_factory(title="Garden Party", price=1, age_rating=0)  # not found
    indexer.index_titles([wolf.pk, troubles.pk, birds.pk, garden.pk])

    # the librarian signs in and goes from the desk to Collections
    sign_in(page, librarian.username, TEST_PASSWORD)
    expect(page).to_have_url(path_is("/staff/"))
    expect(page.get_by_test_id("staff-header")).to_contain_text("Balance: 50 cr.")
    open_from_desk(page, "Collections")
    expect(page).to_have_url(path_is("/staff/collections/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Collections")

    # creates a collection
    page.get_by_label(label("Name")).fill("Sea stories")
    page.get_by_role("button", name="Create the collection").click()
    collection = Collection.objects.get(library=library, name="Sea stories")
    expect(page).to_have_url(path_is(f"/staff/collections/{collection.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sea stories")
    expect(page.get_by_role("heading", name="0 books")).to_be_visible()

    # finds books with the collection's search box and adds two of the three found
    search = page.get_by_role("search")
    search.get_by_label("Find books to add: title, author or ISBN").fill("sea")
    search.get_by_role("button", name="Find").click()
    found = page.get_by_role("table", name="Books found")
    expect(found.get_by_role("checkbox")).to_have_count(3)
    expect(found).not_to_contain_text("Garden Party")
    found.get_by_label("The Sea Wolf").check()
    found.get_by_label("Sea of Troubles").check()
    page.get_by_role("button", name="Add the selected").click()

    expect(page.get_by_role("status")).to_contain_text("Added to the collection: 2.")
    expect(page.get_by_role("heading", name="2 books")).to_be_visible()
    books = page.get_by_role("table", name="Books in the collection, in order").locator("tbody tr")
    expect(books).to_have_count(2)
    # added together: in title order; each with its cost and age rating
    expect(books.nth(0)).to_contain_text(re.compile(r"Sea of Troubles.*3 credits.*16\+", re.S))
    expect(books.nth(1)).to_contain_text(re.compile(r"The Sea Wolf.*2 credits.*0\+", re.S))
    expect(page.get_by_role("table", name="Books found")).to_contain_text("Sea Birds")  # the search is kept
    assert list(collection.entries.values_list("title_id", flat=True)) == [troubles.pk, wolf.pk]

    # ticks the group with the keyboard (Space), Tab reaches "Save and issue", Enter presses it
    group_box = page.get_by_role("checkbox", name="9 B", exact=True)
    expect(group_box).not_to_be_checked()
    group_box.focus()
    page.keyboard.press("Space")
    expect(group_box).to_be_checked()
    expect(page.get_by_role("checkbox", name="10 A", exact=True)).not_to_be_checked()
    page.keyboard.press("Tab")
    save = page.get_by_role("button", name="Save and issue")
    expect(save).to_be_focused()
    page.keyboard.press("Enter")

    # the summary: nothing is issued yet
    expect(page).to_have_url(path_is(f"/staff/collections/{collection.pk}/issue/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue “Sea stories”")
    summary = page.get_by_test_id("issue-summary")
    expect(summary.locator('[data-figure="readers"]')).to_have_text("3")
    # Anna and Jānis get both books, Līga only the 0+ one: 5 loans, 5 new copies (3 × 2 + 2 × 3 credits)
    expect(summary.locator('[data-figure="books"]')).to_have_text("5")
    expect(summary.locator('[data-figure="cost"]')).to_contain_text("12 credits")
    expect(summary.locator('[data-figure="cost"]')).to_contain_text("0 copies from the fund, 5 new copies")
    expect(summary.locator('[data-figure="balance"]')).to_have_text("50 credits")
    expect(summary.locator('[data-figure="missing"]')).to_have_count(0)
    warning = page.get_by_role("region", name="Age rating")
    expect(warning.get_by_role("listitem")).to_have_count(1)
    expect(warning.get_by_role("listitem")).to_have_text(f"Līga Kalna ({liga.number}): “Sea of Troubles” 16+")
    assert not Loan.objects.exists()
    assert not Notice.objects.filter(kind="books_issued").exists()

    # confirms
    page.get_by_role("button", name="Issue the books").click()
    expect(page).to_have_url(path_is(f"/staff/collections/{collection.pk}/"))
    expect(page.get_by_role("status")).to_contain_text("Issued 5 books to 3 readers; 12 credits spent.")
    groups = page.get_by_role("group", name="Switch access on for the groups that get the collection")
    row_9b = groups.get_by_role("row").filter(has=page.get_by_role("checkbox", name="9 B", exact=True))
    row_10a = groups.get_by_role("row").filter(has=page.get_by_role("checkbox", name="10 A", exact=True))
    expect(row_9b).to_contain_text(re.compile(r"✔ Issued on \d\d\.\d\d\.\d{4} \d\d:\d\d: 5 books"))
    expect(row_10a).to_contain_text("Not issued")
    expect(page.get_by_test_id("staff-header")).to_contain_text("Balance: 38 cr.")
    page.get_by_role("link", name="All collections").click()
    expect(page.locator(f"#collection-{collection.pk}")).to_contain_text(
        re.compile(r"Sea stories\s+2\s+✔ Issued to 9 B on \d\d\.\d\d\.\d{4}")
    )

    # the database: the loans, the credits (balance = ledger), one notice per reader
    loans = Loan.objects.filter(library=library)
    assert sorted(loans.values_list("card_id", "title_id")) == sorted(
        [(anna.pk, wolf.pk), (anna.pk, troubles.pk), (janis.pk, wolf.pk), (janis.pk, troubles.pk), (liga.pk, wolf.pk)]
    )
    assert set(loans.values_list("issued_by", flat=True)) == {librarian.pk}
    assert all(loan.ended_at is None for loan in loans)
    assert not Loan.objects.filter(card=outsider).exists()
    library.refresh_from_db()
    assert library.credits == 50 - 12 == ledger_sum(library)
    spent = CreditEntry.objects.filter(library=library, kind=CreditEntry.Kind.ACQUISITION)
    assert spent.count() == 5
    assert sum(spent.values_list("amount", flat=True)) == -12
    notices = Notice.objects.filter(kind="books_issued")
    assert sorted(notices.values_list("user_id", flat=True)) == sorted([anna.user_id, janis.user_id, liga.user_id])
    assert sorted(notices.values_list("to", flat=True)) == sorted(c.user.email for c in (anna, janis, liga))
    access = CollectionGroup.objects.get(collection=collection)
    assert (access.group, access.issued_by, access.loans_issued) == (class_9b, librarian, 5)
    assert access.issued_at is not None


# ---- B. Statistics: the week, its files, a bad range (SPEC R1–R5) -----------------------------------


def test_librarian_reads_the_week_downloads_xlsx_and_csv_and_gets_an_error_for_a_bad_range(
    page, live_server, library_factory, librarian_factory, card_factory, title_factory, tmp_path
):
    library = library_factory(name="Imanta Library", loan_days=60, max_on_hand=10)
    tz = zoneinfo.ZoneInfo(library.timezone)
    now = clock.now()
    circulation.grant_credits(operator=None, library=library, amount=30, now=now - timedelta(days=12))
    librarian = librarian_factory(library=library)
    first = card_factory(library=library, birth_date=years_ago(30))
    second = card_factory(library=library, birth_date=years_ago(30))
    cheap, dear, old = (
        title_factory(title="Cheap Book", price=2),
        title_factory(title="Dear Book", price=3),
        title_factory(title="Old Book", price=5),
    )

    def issue(card, title, at: datetime) -> None:
        circulation.force_issue(librarian=librarian, library=library, card_number=card.number, title=title, now=at)

    issue(second, old, now - timedelta(days=10))  # before the week: not counted
    three_days_ago = now - timedelta(days=3)
    issue(first, dear, three_days_ago)
    issue(first, cheap, now)
    issue(second, cheap, now)

    today = now.astimezone(tz).date()
    week = [today - timedelta(days=6 - n) for n in range(7)]
    # day → (loans issued, visits, registrations, credits spent)
    # loans issued, of them e-books, of them paper books, visits, registrations, credits spent
    expected = {day: (0, 0, 0, 0, 0, 0) for day in week}
    expected[three_days_ago.astimezone(tz).date()] = (1, 1, 0, 0, 0, 3)
    expected[today] = (2, 2, 0, 0, 0, 4)

    sign_in(page, librarian.username, TEST_PASSWORD)
    expect(page).to_have_url(path_is("/staff/"))
    open_from_desk(page, "Statistics")
    expect(page).to_have_url(path_is("/staff/reports/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Library statistics")
    presets = page.locator("p.presets")

    # "Today" first: one row, today's two loans
    presets.get_by_role("link", name="Today", exact=True).click()
    table = page.get_by_role("table", name="General")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr td").nth(1)).to_have_text("2")

    # then the week
    presets.get_by_role("link", name="Week", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/reports/\?.*preset=week"))
    expect(page.get_by_role("heading", level=2)).to_have_text(f"General: {week[0]:%d.%m.%Y} – {week[-1]:%d.%m.%Y}")
    form = page.locator("form.report-form")
    expect(form.get_by_label(label("Start of period"))).to_have_value(week[0].isoformat())
    expect(form.get_by_label(label("End of period"))).to_have_value(week[-1].isoformat())
    expect(table.locator("thead th")).to_have_text(GENERAL_HEADER)
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(7)
    shown = [[int(cell) for cell in rows.nth(i).locator("td").all_inner_texts()[1:]] for i in range(7)]
    assert shown == [list(expected[day]) for day in week]
    assert sum(row[0] for row in shown) == 3  # the loan of ten days ago is outside the week

    # the xlsx of the same week
    form.get_by_label(label("Excel (.xlsx)")).check()
    with page.expect_download() as xlsx_download:
        form.get_by_role("button", name="Show or download").click()
    download = xlsx_download.value
    assert download.failure() is None
    assert download.suggested_filename == f"general-{week[0]}-{week[-1]}.xlsx"
    xlsx_path = tmp_path / download.suggested_filename
    download.save_as(xlsx_path)
    workbook = openpyxl.load_workbook(xlsx_path)
    sheet = workbook.active
    assert sheet.title == "General"
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == GENERAL_HEADER
    assert [[row[0].date(), *row[1:]] for row in cells[1:]] == [[day, *expected[day]] for day in week]

    # the csv: UTF-8 with a BOM, the same figures
    form.get_by_label(label("CSV")).check()
    with page.expect_download() as csv_download:
        form.get_by_role("button", name="Show or download").click()
    download = csv_download.value
    assert download.suggested_filename == f"general-{week[0]}-{week[-1]}.csv"
    raw = download.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[0] == GENERAL_HEADER
    assert lines[1:] == [[day.isoformat(), *(str(n) for n in expected[day])] for day in week]
    expect(page.get_by_role("heading", level=2)).to_have_text(f"General: {week[0]:%d.%m.%Y} – {week[-1]:%d.%m.%Y}")

    # a custom range that ends before it starts: the error next to the field, HTTP 400
    form.get_by_label(label("Period")).select_option("custom")
    form.get_by_label(label("Start of period")).fill(today.isoformat())
    form.get_by_label(label("End of period")).fill((today - timedelta(days=5)).isoformat())
    form.get_by_label(label("Show on the page")).check()
    with page.expect_response(lambda r: "/staff/reports/?" in r.url and r.request.method == "GET") as answer:
        form.get_by_role("button", name="Show or download").click()
    assert answer.value.status == 400
    end_field = page.locator(".field.has-error")
    expect(end_field).to_have_count(1)
    expect(end_field.get_by_label(label("End of period"))).to_have_attribute("aria-invalid", "true")
    expect(end_field.locator(".field-error")).to_have_text("The period ends before it starts.")
    expect(page.get_by_role("alert")).to_contain_text("End of period: The period ends before it starts.")
    expect(page.get_by_role("table", name="General")).to_have_count(0)
    # what was typed is kept
    expect(form.get_by_label(label("Start of period"))).to_have_value(today.isoformat())
    expect(form.get_by_label(label("End of period"))).to_have_value((today - timedelta(days=5)).isoformat())
