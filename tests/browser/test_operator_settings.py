"""Issue #13 in a real Chromium: the operator's library settings and librarian pages, by keyboard, without
scripts of ours. Browser fixtures: conftest.py; helpers: flows.py."""

import pytest
from flows import label, path_is, sign_in
from playwright.sync_api import expect

from abonement.libraries.models import Library, StaffMembership
from abonement.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_stored_days_show_ticked_and_the_time_zone_is_found_by_typing(
    page, operator_factory, network_factory, library_factory
):
    network = network_factory()
    library = library_factory(network=network, name="Sovetsk", timezone="Europe/Moscow", opening_weekdays="246")
    operator = operator_factory(network=network)
    sign_in(page, operator.username, TEST_PASSWORD)
    expect(page).to_have_url(path_is("/operator/"))

    page.goto(f"/operator/libraries/{library.pk}/edit/")
    form = page.get_by_role("main").locator("form")
    for day, ticked in [("Mon", False), ("Tue", True), ("Wed", False), ("Thu", True), ("Sat", True)]:
        expect(form.get_by_label(label(day))).to_be_checked(checked=ticked)
    zone = form.get_by_label(label("Time zone"))
    expect(zone).to_have_value("Europe/Moscow")
    zone.focus()
    page.keyboard.type("Kalin")  # the list's own type-ahead: labels start with the city
    expect(zone).to_have_value("Europe/Kaliningrad")
    form.get_by_role("button", name="Save").click()

    expect(page).to_have_url(path_is(f"/operator/libraries/{library.pk}/"))
    library.refresh_from_db()
    assert (library.timezone, library.opening_weekdays) == ("Europe/Kaliningrad", "246")


def test_a_librarian_is_deactivated_by_keyboard_after_a_confirmation(
    page, operator_factory, network_factory, library_factory, librarian_factory
):
    network = network_factory()
    library = library_factory(network=network)
    librarian = librarian_factory(library=library, first_name="Inese", last_name="Kalniņa")
    operator = operator_factory(network=network)
    sign_in(page, operator.username, TEST_PASSWORD)
    expect(page).to_have_url(path_is("/operator/"))

    page.goto(f"/operator/libraries/{library.pk}/")
    confirm = page.get_by_role("button", name="Deactivate Inese Kalniņa")
    expect(confirm).to_be_hidden()  # nothing happens on one stray press: the button is behind "Deactivate…"
    page.get_by_text("Deactivate…").focus()
    page.keyboard.press("Enter")
    expect(confirm).to_be_visible()
    expect(page.get_by_role("row", name="Inese Kalniņa")).to_contain_text("signed out on every device")
    page.keyboard.press("Tab")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("Inese Kalniņa is deactivated in this library")
    assert StaffMembership.objects.get(user=librarian, library=library).deactivated_at is not None
    reactivate = page.get_by_role("button", name="Reactivate Inese Kalniņa")
    reactivate.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Inese Kalniņa works in this library again")
    assert Library.objects.get(pk=library.pk).staff_memberships.get().deactivated_at is None
