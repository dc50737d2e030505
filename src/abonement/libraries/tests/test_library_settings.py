"""The operator's library settings form over HTTP: what it shows, what saving it does (issue #13)."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from abonement.libraries.models import Library
from abonement.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


class _FormValues(HTMLParser):
    """What a browser submits for the first POST form of the page's <main> left as rendered: ticked boxes, chosen
    options, typed values."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._in_main = self._in_form = self._done = False
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._in_main = self._in_main or tag == "main"
        if tag == "form" and attrs.get("method") == "post" and self._in_main and not self._done:
            self._in_form = True
        if not self._in_form or not attrs.get("name") and tag != "option":
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(attrs["name"], []).append(attrs.get("value", "on"))
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.setdefault(self._select, []).append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def as_rendered(response) -> dict[str, list[str]]:
    parser = _FormValues()
    parser.feed(response.content.decode())
    return parser.data


@pytest.fixture
def operator(operator_factory, network_factory):
    operator = operator_factory(network=network_factory())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": operator.username, "password": TEST_PASSWORD}).status_code == 302
    client.network = operator.operated_networks.get()
    return client


class TestOpeningDays:
    def test_stored_days_are_shown_ticked(self, operator, library_factory):
        library = library_factory(network=operator.network, opening_weekdays="135")
        data = as_rendered(operator.get(f"/operator/libraries/{library.pk}/edit/"))
        assert data["opening_weekdays"] == ["1", "3", "5"]

    def test_saving_the_form_unchanged_keeps_everything(self, operator, library_factory):
        library = library_factory(network=operator.network, opening_weekdays="2346", timezone="Europe/Moscow")
        url = f"/operator/libraries/{library.pk}/edit/"
        response = operator.post(url, as_rendered(operator.get(url)))
        assert response.status_code == 302
        library.refresh_from_db()
        assert library.opening_weekdays == "2346" and library.timezone == "Europe/Moscow"

    def test_ticked_days_are_ticked_when_the_form_reopens(self, operator, library_factory):
        library = library_factory(network=operator.network)
        url = f"/operator/libraries/{library.pk}/edit/"
        data = as_rendered(operator.get(url))
        data["opening_weekdays"] = ["6", "7", "1"]
        assert operator.post(url, data).status_code == 302
        assert Library.objects.get(pk=library.pk).opening_weekdays == "167"
        assert as_rendered(operator.get(url))["opening_weekdays"] == ["1", "6", "7"]

    def test_no_day_ticked_is_refused_by_name(self, operator, library_factory):
        library = library_factory(network=operator.network, opening_weekdays="12345")
        url = f"/operator/libraries/{library.pk}/edit/"
        data = as_rendered(operator.get(url))
        data.pop("opening_weekdays", None)
        response = operator.post(url, data)
        assert response.status_code == 400
        assert "Opening days</a>: Tick at least one day the library is open." in response.content.decode()
        assert Library.objects.get(pk=library.pk).opening_weekdays == "12345"
