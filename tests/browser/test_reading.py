"""The web reader and the audio player in a real Chromium (SPEC L8): foliate-js under our CSP, pages turn, the
position survives a reload in a new browser context, and the player seeks with Range requests."""

from datetime import date

import pytest
from django.core.files.base import ContentFile
from flows import sign_in
from playwright.sync_api import expect
from test_content_security_policy import assert_no_violation, watch_policy

from abonement.catalog.epub import silent_mp3
from abonement.circulation import services
from abonement.reading.models import Position
from abonement.reading.tests.conftest import epub
from abonement.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def card(card_factory, library_factory, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    library = library_factory(lending_mode="self_service", max_on_hand=3)
    services.grant_credits(operator=None, library=library, amount=5)
    return card_factory(library=library, birth_date=date(2000, 1, 1))


def test_the_reader_turns_pages_and_another_device_continues_there(new_page, card, title_factory):
    title = title_factory(title="Lasāmgrāmata", format="ebook", price=1)
    title.content.save("test/book.epub", ContentFile(epub(chapters=8)), save=True)
    loan = services.take(card=card, title=title)

    laptop = new_page()
    console = watch_policy(laptop)
    sign_in(laptop, card.number, TEST_PASSWORD)
    laptop.goto(f"/catalog/titles/{title.pk}/")
    laptop.get_by_role("link", name="Read online").click()
    reader = laptop.locator("#reader")
    expect(reader).to_have_attribute("data-ready", "1")
    first = reader.get_attribute("data-location")
    for _ in range(6):
        laptop.keyboard.press("ArrowRight")
    expect(reader).not_to_have_attribute("data-location", first)
    laptop.get_by_role("button", name="Next →").click()
    laptop.get_by_role("button", name="Next →").click()
    # Wait until the page has settled and the place shown is the place saved (a turn may still be moving
    # when the second click lands, so both are read in one evaluation).
    laptop.wait_for_function(
        "() => { const r = document.querySelector('#reader');"
        " return r.dataset.saved && r.dataset.saved === r.dataset.location; }",
        timeout=10000,
    )
    there = reader.get_attribute("data-location")
    assert Position.objects.get(user=card.user, title=title).locator == there
    assert_no_violation(laptop, console)

    phone = new_page()
    sign_in(phone, card.number, TEST_PASSWORD)
    phone.goto(f"/read/loans/{loan.pk}/")
    expect(phone.locator("#reader")).to_have_attribute("data-ready", "1")
    expect(phone.locator("#reader")).to_have_attribute("data-location", there)


def test_the_player_seeks_with_range_requests(new_page, card, title_factory):
    title = title_factory(title="Klausāmgrāmata", format="audiobook", price=1)
    title.content.save("test/book.mp3", ContentFile(silent_mp3(600)), save=True)
    loan = services.take(card=card, title=title)
    page = new_page()
    ranges = []
    page.on("request", lambda r: ranges.append(r.headers.get("range")) if "/read/content/" in r.url else None)
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if "/read/content/" in r.url else None)
    sign_in(page, card.number, TEST_PASSWORD)
    page.goto(f"/read/loans/{loan.pk}/")
    expect(page.locator("#player")).to_have_attribute("data-ready", "1")
    page.get_by_role("button", name="+30 s").click()
    page.get_by_role("button", name="+30 s").click()
    expect(page.locator("#player")).to_have_attribute("data-saved", "60", timeout=5000)
    assert Position.objects.get(user=card.user, title=title).locator == "60"
    page.select_option("#player-speed", "1.5")
    assert page.evaluate("document.getElementById('player-audio').playbackRate") == 1.5
    assert any(r and r.startswith("bytes=") for r in ranges) and 206 in statuses

    again = new_page()
    sign_in(again, card.number, TEST_PASSWORD)
    again.goto(f"/read/loans/{loan.pk}/")
    expect(again.locator("#player")).to_have_attribute("data-ready", "1")
    assert again.evaluate("Math.round(document.getElementById('player-audio').currentTime)") == 60
