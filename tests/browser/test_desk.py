"""The circulation desk with the keyboard only (issue #14, SPEC P7): a USB scanner types the card number and
Enter, then the item barcode and Enter. Fixtures: conftest.py."""

import pytest
from flows import sign_in
from playwright.sync_api import expect

from abonement.catalog.models import Item
from abonement.circulation.models import Loan
from abonement.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_card_then_barcode_with_the_keyboard_checks_out_and_escape_returns_to_check_in(
    page, librarian_factory, library_factory, card_factory, title_factory
):
    library = library_factory(name="Central")
    librarian = librarian_factory(library=library)
    card = card_factory(library=library, number="40001234", full_name="Ilze Lasītāja")
    title = title_factory(format="paper", network=library.network, title="Mērnieku laiki")
    Item.objects.create(title=title, library=library, barcode="200000017")
    sign_in(page, librarian.username, TEST_PASSWORD)
    page.goto("/staff/desk/")
    code = page.locator("#desk-code")
    expect(code).to_be_focused()
    page.evaluate("window.deskMarker = 'still this page'")
    page.keyboard.type("40001234")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("reader-panel")).to_contain_text("Ilze Lasītāja")
    expect(page.locator("#desk-code")).to_be_focused()
    page.keyboard.type("200000017")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("desk-done")).to_contain_text("Checked out “Mērnieku laiki” (200000017)")
    expect(page.get_by_test_id("reader-panel")).to_contain_text("200000017")
    assert Loan.objects.get(card=card, ended_at=None).copy.item.barcode == "200000017"
    # The scans were answered in the page (no navigation), the address is the desk's, and a reload repeats
    # nothing: the reader stays open with the one loan.
    assert page.evaluate("window.deskMarker") == "still this page"
    assert page.url.endswith("/staff/desk/")
    page.reload()
    expect(page.get_by_test_id("reader-panel")).to_contain_text("200000017")
    assert Loan.objects.filter(card=card).count() == 1
    expect(page.locator("#desk-code")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("reader-panel")).to_have_count(0)
    expect(page.locator("#desk-code")).to_be_focused()
    page.keyboard.type("200000017")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("desk-done")).to_contain_text("Back on the shelf")
    assert not Loan.objects.filter(ended_at=None).exists()
