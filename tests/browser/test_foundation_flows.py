"""Foundation flows in a real Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Operator → library → librarian → e-mail → librarian signs in; a reader signs in by card number;
the language switch; keyboard-only sign-in; a bad library form. Browser fixtures: conftest.py; helpers: flows.py.
"""

import re

import pytest
from flows import label, path_is, sign_in
from playwright.sync_api import Page, expect

from abonement.libraries.models import Library
from abonement.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


def switch_language(page: Page, code: str) -> None:
    """Use the header's language form; the button is found by form, not by its (translated) text."""
    form = page.locator("form.lang-form")
    form.locator("#lang-select").select_option(code)
    form.get_by_role("button").click()


# ---- 1. Operator creates a library and a librarian; the librarian signs in with the e-mailed login ----


def test_operator_creates_library_and_librarian_who_signs_in(
    page, new_page, live_server, operator_factory, network_factory, smtp_server, run_worker
):
    network = network_factory(name="Riga region")
    operator = operator_factory(network=network)

    sign_in(page, operator.username, TEST_PASSWORD)
    expect(page).to_have_url(path_is("/operator/"))

    page.get_by_role("link", name="New library").click()
    expect(page).to_have_url(path_is("/operator/libraries/new/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New library")
    form = page.get_by_role("main").locator("form")
    expect(form.get_by_label(label("Network"))).to_have_value(str(network.pk))
    form.get_by_label(label("Name")).fill("Ziepniekkalns Library")
    form.get_by_label(label("Address")).fill("Ozolciema iela 20, Riga")
    form.get_by_label(label("Contact e-mail")).fill("ziepniekkalns@example.org")
    form.get_by_label(label("Time zone")).select_option("Europe/Riga")
    form.get_by_label(label("Sat")).check()
    form.get_by_label(label("Books on hand at most")).fill("4")
    form.get_by_label(label("Loan period, days")).fill("21")
    form.get_by_role("button", name="Save").click()

    library = Library.objects.get(name="Ziepniekkalns Library")
    expect(page).to_have_url(path_is(f"/operator/libraries/{library.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ziepniekkalns Library")
    expect(page.get_by_role("status")).to_contain_text("Library “Ziepniekkalns Library” created.")
    assert library.network == network
    assert library.opening_weekdays == "123456"
    assert (library.max_on_hand, library.loan_days, library.credits) == (4, 21, 0)

    page.get_by_role("link", name="New librarian").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New librarian")
    form = page.get_by_role("main").locator("form")
    form.get_by_label(label("First name")).fill("Inese")
    form.get_by_label(label("Last name")).fill("Kalniņa")
    form.get_by_label(label("E-mail")).fill("inese@example.org")
    form.get_by_label(label("Login")).fill("inese.k")
    form.get_by_label(label("Language")).select_option("en")
    form.get_by_role("button", name="Create and send the login").click()

    expect(page).to_have_url(path_is(f"/operator/libraries/{library.pk}/"))
    expect(page.get_by_role("status")).to_contain_text(
        "Librarian Inese Kalniņa created; the login and password were e-mailed to inese@example.org."
    )
    expect(page.get_by_role("cell", name="inese.k", exact=True)).to_be_visible()

    assert smtp_server.messages == []  # delivered by the worker, never inside the request
    run_worker()
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "inese@example.org"
    body = smtp_server.bodies()[0]
    login = re.search(r"^Login:[ \t]*(\S+)\s*$", body, re.MULTILINE)
    password = re.search(r"^Password:[ \t]*(\S+)\s*$", body, re.MULTILINE)
    assert login and password, body
    assert login.group(1) == "inese.k"

    librarian_page = new_page()  # a fresh context: nothing of the operator's session
    sign_in(librarian_page, login.group(1), password.group(1))
    expect(librarian_page).to_have_url(path_is("/staff/"))
    header = librarian_page.get_by_test_id("staff-header")
    expect(header).to_be_visible()
    expect(header).to_contain_text("Ziepniekkalns Library")
    expect(header).to_contain_text("Balance: 0 cr.")
    expect(header).to_contain_text("Waiting requests: 0")


# ---- 2. A reader signs in by card number ----------------------------------------------------------


def test_reader_signs_in_by_card_number_and_sees_empty_my_books(page, card_factory, library_factory):
    card = card_factory(library=library_factory(name="Imanta Library"))

    sign_in(page, card.number, TEST_PASSWORD)

    expect(page).to_have_url(path_is("/my/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My books")
    expect(page.get_by_text("You have no books yet.")).to_be_visible()
    expect(page.locator(".card-chip")).to_contain_text("Imanta Library")
    expect(page.locator(".card-chip")).to_contain_text(card.number)
    expect(page.get_by_test_id("staff-header")).to_have_count(0)


# ---- 3. Language switch ---------------------------------------------------------------------------


def test_language_switch_on_my_books(page, card_factory):
    card = card_factory()
    sign_in(page, card.number, TEST_PASSWORD)
    expect(page).to_have_url(path_is("/my/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My books")

    switch_language(page, "lv")
    expect(page).to_have_url(path_is("/my/"))
    expect(page.locator("html")).to_have_attribute("lang", "lv")
    expect(page.locator("#lang-select")).to_have_value("lv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Manas grāmatas")

    switch_language(page, "en")
    expect(page).to_have_url(path_is("/my/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#lang-select")).to_have_value("en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My books")


# ---- 4. Keyboard only -----------------------------------------------------------------------------


def test_login_with_keyboard_only(page, card_factory):
    card = card_factory()
    page.goto("/login/")
    # Let the page settle as a person would see it: Chromium applies `autofocus` during a rendering
    # update after load, so a Tab pressed before that would not show what a keyboard user gets.
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()  # it becomes visible when focused

    page.keyboard.press("Enter")  # follow the skip link to <main>
    expect(page.locator("#main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label(label("Card number, e-mail, phone or login"))).to_be_focused()
    page.keyboard.type(card.number)
    page.keyboard.press("Tab")
    expect(page.get_by_label(label("Password"))).to_be_focused()
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(path_is("/my/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My books")


# ---- 5. Bad input ---------------------------------------------------------------------------------


def test_library_form_without_name_shows_error_and_creates_nothing(page, operator_factory, network_factory):
    operator = operator_factory(network=network_factory())
    sign_in(page, operator.username, TEST_PASSWORD)
    expect(page).to_have_url(path_is("/operator/"))

    page.goto("/operator/libraries/new/")
    form = page.get_by_role("main").locator("form")
    form.get_by_label(label("Address")).fill("Somewhere 1")
    form.get_by_role("button", name="Save").click()

    expect(page).to_have_url(path_is("/operator/libraries/new/"))
    expect(page.get_by_role("alert")).to_contain_text("Enter the library's name.")
    name_field = page.locator(".field.has-error")
    expect(name_field.locator(".field-error")).to_have_text("Enter the library's name.")
    expect(name_field.get_by_label(label("Name"))).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label(label("Address"))).to_have_value("Somewhere 1")  # what was typed is kept
    assert Library.objects.count() == 0
