"""Page helpers shared by the browser tests (tests/browser is on sys.path: pytest's rootdir-less import)."""

import re

from playwright.sync_api import Page


def label(text: str) -> re.Pattern:
    """A field's whole label; Django's label_tag() adds a trailing colon."""
    return re.compile(rf"^\s*{re.escape(text)}:?\s*$")


def sign_in(page: Page, identifier: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label(label("Card number, e-mail, phone or login")).fill(identifier)
    page.get_by_label(label("Password")).fill(password)
    page.get_by_role("button", name="Sign in").click()


def path_is(path: str) -> re.Pattern:
    """The page's URL has exactly this path (a #fragment, e.g. kept from the skip link, is allowed)."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(#.*)?$")
