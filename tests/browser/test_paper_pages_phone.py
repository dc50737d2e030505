"""Every paper circulation page on a 390 px phone and with the keyboard only (issue #14): the reader's loans,
overdue list, renewal and reservations in My books, and the staff's desk, reservations, renewals and rules pages.
Nothing is wider than the screen; a reader gives back a set-aside book with Tab and Enter. Fixtures: conftest.py."""

from datetime import timedelta

import pytest
from flows import sign_in
from playwright.sync_api import Page, expect

from abonement.catalog.models import Item
from abonement.circulation import desk, renewals, reservations
from abonement.circulation.models import CirculationRule, Hold
from abonement.core import clock
from abonement.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def paper_state(library_factory, librarian_factory, card_factory, title_factory):
    """A reader with a loan on hand (renewal asked), an overdue one, a waiting reservation and a book set aside
    for them from a queue; made by the services, as the desk and the reader would."""
    library = library_factory(
        name="Aizkraukles novada centrālā bibliotēka", timezone="Europe/Riga", address="Lāčplēša iela 1a, Aizkraukle"
    )
    CirculationRule.objects.create(library=library, loan_days=21, renewals_allowed=2, fine_per_day=10, fine_cap=300)
    librarian = librarian_factory(library=library)
    reader = card_factory(library=library, full_name="Konstantinopolskaja Aleksandra")
    other = card_factory(library=library)
    now = clock.now()

    def book(n: int, name: str) -> Item:
        title = title_factory(format="paper", network=library.network, title=name, price=0)
        return Item.objects.create(title=title, library=library, barcode=f"20000{n:04d}", shelf_mark="84(2L)6 B85")

    on_hand = desk.check_out(librarian=librarian, card=reader, barcode=book(1, "Mērnieku laiki").barcode, now=now)
    renewals.request_renewal(card=reader, loan=on_hand, now=now)
    reservations.reserve(card=reader, item=book(3, "Zaļā zeme"), now=now)
    queued = book(4, "Sprīdītis")
    desk.check_out(librarian=librarian, card=other, barcode=queued.barcode, now=now - timedelta(days=3))
    hold = reservations.join_paper_queue(card=reader, title=queued.title, library=library, now=now)
    desk.check_in(librarian=librarian, barcode=queued.barcode, at_library=library, now=now)
    hold.refresh_from_db()
    assert hold.status == Hold.Status.READY
    # last: once it is overdue, the reader is a debtor and could not reserve or queue
    overdue = book(2, "Dvēseļu putenis: garš nosaukums, kas neietilpst vienā rindā")
    desk.check_out(librarian=librarian, card=reader, barcode=overdue.barcode, now=now - timedelta(days=40))
    return {"librarian": librarian, "reader": reader, "hold": hold}


def test_the_readers_paper_pages_fit_a_phone_and_give_back_works_by_keyboard(page, paper_state):
    page.set_viewport_size(PHONE)
    sign_in(page, paper_state["reader"].number, TEST_PASSWORD)
    page.goto("/my/")
    expect(page.get_by_test_id("my-reservations")).to_contain_text("Set aside for you at")
    assert page_width(page) <= PHONE["width"]
    button = page.get_by_test_id(f"give-back-{paper_state['hold'].pk}")
    for _ in range(200):  # Tab through the page until the button has the focus, as a keyboard user does
        if button.evaluate("b => b === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".messages[role=status]")).to_contain_text("the book goes to the next reader")
    assert page_width(page) <= PHONE["width"]
    paper_state["hold"].refresh_from_db()
    assert paper_state["hold"].status == Hold.Status.CANCELLED


@pytest.mark.parametrize(
    "path", ["/staff/desk/", "/staff/reservations/", "/staff/renewals/", "/staff/circulation-rules/"]
)
def test_the_staff_paper_pages_fit_a_phone(page, paper_state, path):
    page.set_viewport_size(PHONE)
    sign_in(page, paper_state["librarian"].username, TEST_PASSWORD)
    if path == "/staff/desk/":  # with the reader open: the panel's loans and set-aside books
        page.goto(path)
        page.locator("#desk-code").fill(paper_state["reader"].number)
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("reader-panel")).to_contain_text("Konstantinopolskaja")
        expect(page.locator("#desk-code")).to_be_focused()
    else:
        page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page_width(page) <= PHONE["width"], path
