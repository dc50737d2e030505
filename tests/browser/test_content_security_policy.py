"""The Content-Security-Policy (scripts and styles only from our static files) breaks no page, in a real Chromium
(Debian's /usr/bin/chromium) driven by Playwright. Browser fixtures: conftest.py; helpers: flows.py.
"""

import re

import pytest
from flows import path_is, sign_in
from playwright.sync_api import Page, expect

from abonement.catalog.models import Format, Title
from abonement.core.demo import DEMO_PASSWORD, load_demo
from abonement.readers.models import Card

pytestmark = pytest.mark.browser

# Chromium reports each blocked script, style or handler on the console and as a DOM event; both are collected.
COLLECT_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile);
});
"""


def watch_policy(page: Page) -> list[str]:
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(COLLECT_VIOLATIONS)
    return console


def assert_no_violation(page: Page, console: list[str]) -> None:
    page.wait_for_load_state("load")
    assert page.evaluate("window.cspViolations") == [], page.url
    assert [text for text in console if "Content Security Policy" in text] == [], page.url


def test_main_pages_work_under_the_policy(page, new_page, settings):
    load_demo()
    console = watch_policy(page)
    title = Title.objects.filter(format=Format.EBOOK).order_by("pk").first()
    card = Card.objects.get(number="1000001")

    page.goto("/login/")
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # site.css applied
    assert_no_violation(page, console)
    sign_in(page, "librarian", DEMO_PASSWORD)
    expect(page).to_have_url(path_is("/staff/"))
    assert_no_violation(page, console)

    page.goto(f"/catalog/?q={title.title[:4]}")
    page.locator('input[role="combobox"][data-suggest-url]').fill(title.title[:3])  # suggest.js ran
    expect(page.get_by_role("listbox")).to_be_visible()
    assert_no_violation(page, console)

    page.goto(f"/catalog/titles/{title.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(title.title)
    assert_no_violation(page, console)

    page.goto("/staff/readers/")
    expect(page.get_by_role("link", name=re.compile(card.full_name))).to_be_visible()
    assert_no_violation(page, console)

    page.goto(f"/staff/readers/{card.pk}/card/")
    barcode_background = page.locator(".reader-card-barcode rect").first
    assert barcode_background.evaluate("r => getComputedStyle(r).fill") == "rgb(255, 255, 255)"
    assert_no_violation(page, console)

    page.goto("/staff/requests/")
    boxes = page.locator('input[name="request"]')
    assert boxes.count() > 0
    page.locator("#all-on-page").check()  # requests.js ticks every request on the page
    expect(page.locator("#ticked")).to_have_text(re.compile(rf"\b{boxes.count()}$"))
    assert_no_violation(page, console)

    docs = new_page()
    docs_console = watch_policy(docs)
    docs.goto("/api/v1/docs")
    expect(docs.get_by_text("/api/v1/health")).to_be_visible()  # Swagger UI rendered the schema
    assert_no_violation(docs, docs_console)
