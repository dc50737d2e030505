"""Lending flows in a real Chromium: the reader's return asks first and works from the keyboard (issue #13)."""

import pytest
from flows import path_is, sign_in
from playwright.sync_api import expect

from abonement.circulation import services
from abonement.circulation.models import Loan
from abonement.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_return_is_confirmed_by_keyboard_on_my_books(page, card_factory, library_factory, title_factory):
    card = card_factory(library=library_factory(lending_mode="self_service"))
    loan = services.take(card=card, title=title_factory(title="Dzimtene", is_free=True, price=0))
    sign_in(page, card.number, TEST_PASSWORD)
    expect(page).to_have_url(path_is("/my/"))

    confirm = page.get_by_role("button", name="Yes, return it")
    expect(confirm).to_be_hidden()  # nothing is returned by one press
    summary = page.locator("details.confirm-return > summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(confirm).to_be_visible()
    expect(page.get_by_text("Return “Dzimtene” now?")).to_be_visible()
    page.keyboard.press("Tab")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(path_is("/my/"))
    expect(page.get_by_text("“Dzimtene” is returned. Thank you!")).to_be_visible()
    loan.refresh_from_db()
    assert loan.end_reason == Loan.EndReason.RETURNED
