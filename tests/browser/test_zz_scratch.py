import os
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
import pytest
from test_foundation_flows import browser, new_page, page  # noqa

@pytest.mark.browser
def test_focus(page, card_factory):
    page.goto("/login/")
    print("after load:", page.evaluate("document.activeElement.outerHTML.slice(0,120)"), page.evaluate("document.hasFocus()"))
    page.keyboard.press("Tab")
    print("after tab:", page.evaluate("document.activeElement.outerHTML.slice(0,120)"))
