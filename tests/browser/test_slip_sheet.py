"""The sheet of cut-out credentials slips of a bulk registration (issue #13), printed to PDF by a real Chromium:
A4, ten slips to a page, each slip's text inside its dashed box and no password split. Fixtures: conftest.py."""

import re

import pytest
from flows import sign_in
from playwright.sync_api import expect

from abonement.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser

READERS = 20
LONG_NAMES = ["Konstantinopolskaja Aleksandra Vladimirovna", "Žanna Ķirsīte-Vītoliņa-Bērziņa"]


def pdf_pages(pdf: bytes) -> int:
    """Page objects of the PDF (/Type /Page, not the /Pages tree)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize("language", ["en", "lv"])
def test_a_20_reader_batch_prints_on_two_or_three_a4_pages_inside_the_boxes(
    page, librarian_factory, library_factory, language, settings
):
    settings.SITE_URL = "https://abonement.rigas-skolas.example.lv"
    library = library_factory(name="Rīgas Valsts 1. ģimnāzijas skolas bibliotēka", contact_email="lib@example.lv")
    librarian = librarian_factory(library=library)
    sign_in(page, librarian.username, TEST_PASSWORD)
    page.goto("/staff/readers/bulk/")
    page.locator("form.lang-form #lang-select").select_option(language)
    page.locator("form.lang-form").get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    names = LONG_NAMES + [f"Skolēns Nr. {i:02}" for i in range(READERS - len(LONG_NAMES))]
    rows = "\n".join(f"{name}\t01.09.2012\tpupil{i}@example.org\t\t5.A klase" for i, name in enumerate(names))
    page.locator("#id_rows").fill(rows)
    page.locator("form.stacked button[type=submit]").click()
    expect(page.get_by_test_id("created-count")).to_be_visible()
    page.locator("a[href='/staff/readers/bulk/slips/']").click()
    expect(page.locator(".sheet-slip")).to_have_count(READERS)

    page.emulate_media(media="print")
    boxes = page.locator(".sheet-slip").evaluate_all(
        """slips => slips.map(slip => {
            const outer = slip.getBoundingClientRect(), style = getComputedStyle(slip);
            const inner = {left: outer.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft) - 1,
                           right: outer.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight) + 1,
                           top: outer.top, bottom: outer.bottom - parseFloat(style.borderBottomWidth)};
            const parts = [...slip.querySelectorAll('p, dt, dd')].map(el => {
                const range = document.createRange(); range.selectNodeContents(el);
                const r = range.getBoundingClientRect();
                return {text: el.textContent.trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                        lines: range.getClientRects().length, credential: el.classList.contains('credential'),
                        font: getComputedStyle(el).fontFamily, nowrap: getComputedStyle(el).whiteSpace};
            });
            return {inner, parts, width: outer.width, height: outer.height};
        })"""
    )
    for box in boxes:
        inner = box["inner"]
        for part in box["parts"]:
            assert inner["left"] <= part["left"] and part["right"] <= inner["right"], part
            assert inner["top"] <= part["top"] and part["bottom"] <= inner["bottom"], part
        credentials = [p for p in box["parts"] if p["credential"]]
        assert len(credentials) == 2, credentials
        for part in credentials:
            assert part["lines"] == 1 and part["nowrap"] == "nowrap" and "monospace" in part["font"], part
        password = credentials[1]["text"]
        assert re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{5}", password)
        texts = [p["text"] for p in box["parts"]]
        assert "https://abonement.rigas-skolas.example.lv/login/" in texts
        assert library.name in texts and any("5.A klase" in t for t in texts)
    # 95 × 55 mm at 96 px to the inch
    assert all(abs(b["width"] - 95 / 25.4 * 96) < 2 and abs(b["height"] - 55 / 25.4 * 96) < 2 for b in boxes)

    pdf = page.pdf(format="A4")
    assert 2 <= pdf_pages(pdf) <= 3, pdf_pages(pdf)
