"""Reader-facing pages on a 390 px phone (issue #13), measured in a real Chromium: nothing wider than the
screen, and the credentials slip keeps its text inside the cut-out box. Fixtures: conftest.py."""

import datetime

import pytest
from flows import sign_in
from playwright.sync_api import Page, expect

from abonement.catalog.models import Item, Title
from abonement.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def use_language(page: Page, code: str) -> None:
    """The header's language form (found by form, not by its translated button text)."""
    form = page.locator("form.lang-form")
    form.locator("#lang-select").select_option(code)
    form.get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


@pytest.mark.parametrize("language", ["en", "ru", "lv"])
def test_credentials_slip_fits_a_phone_and_its_box(new_page, librarian_factory, library_factory, language):
    library = library_factory(name="Rīgas Valsts 1. ģimnāzijas skolas bibliotēka")
    librarian = librarian_factory(library=library)
    page = new_page()
    page.set_viewport_size(PHONE)
    sign_in(page, librarian.username, TEST_PASSWORD)
    use_language(page, language)
    page.goto("/staff/readers/new/")
    form = page.get_by_role("main").locator("form")
    form.locator("#id_full_name").fill("Konstantinopolskaja Aleksandra")
    form.locator("#id_birth_date").fill("01.09.2012")
    form.locator("#id_email").fill("aleksandra@example.org")
    form.get_by_role("button").first.click()
    slip = page.locator(".slip")
    expect(slip).to_be_visible()

    assert page_width(page) <= PHONE["width"]
    box = slip.evaluate(
        """slip => {
            const outer = slip.getBoundingClientRect(), style = getComputedStyle(slip);
            const inner = {left: outer.left + parseFloat(style.borderLeftWidth),
                           right: outer.right - parseFloat(style.borderRightWidth)};
            const parts = [...slip.querySelectorAll('h1, p, dt, dd')].map(el => {
                const range = document.createRange(); range.selectNodeContents(el);
                const r = range.getBoundingClientRect();
                return {text: el.textContent.trim(), left: r.left, right: r.right, lines: range.getClientRects().length,
                        credential: el.classList.contains('credential')};
            });
            return {inner, parts};
        }"""
    )
    for part in box["parts"]:
        assert box["inner"]["left"] <= part["left"] and part["right"] <= box["inner"]["right"], part
    credentials = [p for p in box["parts"] if p["credential"]]
    assert len(credentials) == 2 and all(p["lines"] == 1 for p in credentials), credentials  # never split


@pytest.mark.parametrize("language", ["en", "ru", "lv"])
def test_paper_book_page_is_no_wider_than_a_phone(page, network_factory, library_factory, card_factory, language):
    network = network_factory(name="Aizkraukles novads")
    central = library_factory(network=network, name="Aizkraukles novada centrālā bibliotēka")
    branch = library_factory(network=network, name="Kokneses pagasta bibliotēkas filiāle", parent=central)
    title = Title.objects.create(title="Mērnieku laiki", language="lv", network=network, format="paper", price=0)
    Item.objects.create(title=title, library=central, barcode="A-1", fund="Abonements", shelf_mark="84 K22")
    Item.objects.create(
        title=title,
        library=central,
        barcode="A-2",
        fund="Abonements",
        shelf_mark="84 K22",
        status=Item.Status.ON_LOAN,
        due_date=datetime.date(2026, 12, 3),
    )
    Item.objects.create(
        title=title,
        library=branch,
        barcode="A-3",
        fund="Lasītava",
        status=Item.Status.READING_ROOM,
        reservable_online=False,
    )
    card = card_factory(library=central)
    page.set_viewport_size(PHONE)
    sign_in(page, card.number, TEST_PASSWORD)
    use_language(page, language)
    page.goto(f"/catalog/titles/{title.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mērnieku laiki")
    assert page_width(page) <= PHONE["width"]
    # every column of the copies table, the status last, is on the screen
    status = page.get_by_test_id("items").locator("tbody tr").first.locator("td").last
    assert status.evaluate("td => td.getBoundingClientRect().right") <= PHONE["width"]
