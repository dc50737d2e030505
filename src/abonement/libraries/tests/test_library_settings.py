"""The operator's library settings form over HTTP: what it shows, what saving it does (issue #13)."""

import re
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
        self._select = self._first_option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._in_main = self._in_main or tag == "main"
        if tag == "form" and attrs.get("method") == "post" and self._in_main and not self._done:
            self._in_form = True
        if not self._in_form or not attrs.get("name") and tag != "option":
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.setdefault(attrs["name"], []).append(attrs.get("value", "on"))
            else:
                self.data.setdefault(attrs["name"], []).append(attrs.get("value", ""))
        elif tag == "select":
            self._select, self._first_option = attrs["name"], None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = attrs.get("value", "")
            if "selected" in attrs:
                self.data.setdefault(self._select, []).append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if self._select not in self.data and self._first_option is not None:  # a browser sends the first
                self.data[self._select] = [self._first_option]
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


class TestLendingSettings:
    """Settings that lived only in Django admin (issue #13): now in the operator's form, with help texts."""

    def test_the_form_offers_them_with_help_texts(self, operator, library_factory):
        library = library_factory(network=operator.network)
        page = operator.get(f"/operator/libraries/{library.pk}/edit/").content.decode()
        for label, help_text in [
            ("Self-service may acquire new copies", "buys a new copy from the library&#x27;s credits"),
            ("Acquire by self-service only up to this price", "dearer books are queued or requested instead"),
            ("E-mail new requests to the library", "e-mailed to the contact e-mail"),
            ("Language of e-mails to the library", "The e-mails about new requests are written in this language."),
        ]:
            assert label in page and help_text in page

    def test_operator_changes_them(self, operator, library_factory):
        library = library_factory(network=operator.network, self_service_acquisition=True)
        url = f"/operator/libraries/{library.pk}/edit/"
        data = as_rendered(operator.get(url))
        data.pop("self_service_acquisition")
        data.update(acquisition_price_cap="2", notify_new_requests="on", language="lv")
        response = operator.post(url, data, follow=True)
        facts = re.sub(r"\s+", " ", response.content.decode())
        assert "Self-service may acquire new copies</dt><dd>no</dd>" in facts
        assert "Acquire by self-service only up to this price</dt><dd>2 credits</dd>" in facts
        assert "E-mail new requests to the library</dt><dd>yes</dd>" in facts
        assert "Language of e-mails to the library</dt><dd>Latvian</dd>" in facts
        library.refresh_from_db()
        assert not library.self_service_acquisition and library.acquisition_price_cap == 2
        assert library.notify_new_requests and library.language == "lv"
        reopened = as_rendered(operator.get(url))
        assert "self_service_acquisition" not in reopened and reopened["acquisition_price_cap"] == ["2"]
        assert reopened["notify_new_requests"] == ["on"] and reopened["language"] == ["lv"]
        # an empty cap means any price
        reopened["acquisition_price_cap"] = ""
        assert operator.post(url, reopened).status_code == 302
        assert Library.objects.get(pk=library.pk).acquisition_price_cap is None

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            (
                {"acquisition_price_cap": "-1"},
                "Acquire by self-service only up to this price",
                "Enter a whole number of credits from 0 to 100000, or leave it empty for any price.",
            ),
            (
                {"acquisition_price_cap": "99999999999"},
                "Acquire by self-service only up to this price",
                "Enter a whole number of credits from 0 to 100000, or leave it empty for any price.",
            ),
            (
                {"acquisition_price_cap": "two"},
                "Acquire by self-service only up to this price",
                "Enter a whole number of credits from 0 to 100000, or leave it empty for any price.",
            ),
            (
                {"notify_new_requests": "on", "contact_email": ""},
                "E-mail new requests to the library",
                "New requests are e-mailed to the contact e-mail: give it, or untick this.",
            ),
            ({"language": "de"}, "Language of e-mails to the library", "Select a valid choice."),
        ],
    )
    def test_bad_input_is_named_and_nothing_saved(self, operator, library_factory, overrides, field, message):
        library = library_factory(network=operator.network)
        url = f"/operator/libraries/{library.pk}/edit/"
        data = as_rendered(operator.get(url)) | overrides
        response = operator.post(url, data)
        assert response.status_code == 400
        assert f"{field}</a>: {message}" in response.content.decode()
        after = Library.objects.get(pk=library.pk)
        assert (after.acquisition_price_cap, after.notify_new_requests, after.language) == (None, False, "ru")

    def test_messages_are_in_the_operator_s_language(self, operator, library_factory):
        library = library_factory(network=operator.network)
        url = f"/operator/libraries/{library.pk}/edit/"
        data = as_rendered(operator.get(url)) | {"acquisition_price_cap": "-1", "notify_new_requests": "on"}
        operator.post("/i18n/setlang/", {"language": "lv"})
        page = operator.post(url, data | {"contact_email": ""}).content.decode()
        assert "Ievadiet veselu kredītu skaitu no 0 līdz 100000" in page
        assert "Jauni pieprasījumi tiek sūtīti uz kontaktu e-pastu" in page


@pytest.mark.django_db(transaction=True)
def test_the_new_request_mail_reaches_the_library_in_its_language(
    operator, library_factory, card_factory, title_factory, run_worker, smtp_server
):
    """A reader's request e-mailed through the outbox and the real worker to a real SMTP server, in Latvian."""
    library = library_factory(network=operator.network, contact_email="ilukste@example.lv")
    url = f"/operator/libraries/{library.pk}/edit/"
    data = as_rendered(operator.get(url)) | {"notify_new_requests": "on", "language": "lv"}
    assert operator.post(url, data).status_code == 302
    card = card_factory(library=library, full_name="Anna Bērziņa", lending_mode="by_request")
    title = title_factory(title="Dvēseļu putenis")
    reader = Client(HTTP_ACCEPT_LANGUAGE="ru")  # the reader's own language does not matter for the library's mail
    reader.post("/login/", {"identifier": card.number, "password": TEST_PASSWORD})
    assert reader.post(f"/my/titles/{title.pk}/request/").status_code == 302
    run_worker()
    [message] = smtp_server.messages
    assert message["To"] == "ilukste@example.lv"
    assert message["Subject"] == "Jauns pieprasījums: „Dvēseļu putenis“"
    assert f"Anna Bērziņa (karte {card.number}) pieprasa grāmatu „Dvēseļu putenis“." in smtp_server.bodies()[0]


class TestTimeZone:
    """Issue #13: the time zone was one raw list of ~600 names."""

    def optgroups(self, page: str) -> dict[str, list[str]]:
        select = page[page.index('<select name="timezone"') : page.index("</select>", page.index('name="timezone"'))]
        groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
        return {name: re.findall(r'<option value="([^"]+)"', options) for name, options in groups}

    def test_the_network_s_zones_and_their_countries_come_first_then_all(self, operator, library_factory):
        library = library_factory(network=operator.network, timezone="Europe/Moscow")
        library_factory(network=operator.network, timezone="Europe/Moscow")
        library_factory(network=operator.network, timezone="Europe/Riga")
        library_factory(timezone="Asia/Tokyo")  # another network's zone is not usual here
        page = operator.get(f"/operator/libraries/{library.pk}/edit/").content.decode()
        groups = self.optgroups(page)
        assert list(groups) == ["Usual for the network", "All time zones"]
        usual = groups["Usual for the network"]
        assert usual[:2] == ["Europe/Moscow", "Europe/Riga"]  # in use, most used first
        assert {"Europe/Kaliningrad", "Asia/Vladivostok", "Europe/Samara"} <= set(usual)  # Russia's other zones
        assert "Asia/Tokyo" not in usual and "Europe/Berlin" not in usual
        assert len(groups["All time zones"]) > 400 and "Asia/Tokyo" in groups["All time zones"]
        # labelled city first, so typing "Ri" in the list finds Riga without any script
        assert '<option value="Europe/Riga">Riga (Europe/Riga)</option>' in page
        assert '<option value="Europe/Moscow" selected>Moscow (Europe/Moscow)</option>' in page
        assert page.count("selected>Moscow (Europe/Moscow)") == 1

    def test_a_new_network_is_offered_the_installation_s_zone(self, operator, settings):
        settings.TIME_ZONE = "Europe/Riga"
        groups = self.optgroups(operator.get("/operator/libraries/new/").content.decode())
        assert groups["Usual for the network"] == ["Europe/Riga"]

    def test_a_zone_from_the_full_list_is_saved(self, operator, library_factory):
        library = library_factory(network=operator.network, timezone="Europe/Riga")
        url = f"/operator/libraries/{library.pk}/edit/"
        assert operator.post(url, as_rendered(operator.get(url)) | {"timezone": "America/New_York"}).status_code == 302
        assert Library.objects.get(pk=library.pk).timezone == "America/New_York"

    def test_an_unknown_zone_is_refused_by_name(self, operator, library_factory):
        library = library_factory(network=operator.network, timezone="Europe/Riga")
        url = f"/operator/libraries/{library.pk}/edit/"
        response = operator.post(url, as_rendered(operator.get(url)) | {"timezone": "Mars/Olympus"})
        assert response.status_code == 400
        assert "Time zone</a>: Choose a time zone from the list, like Europe/Riga." in response.content.decode()
        assert Library.objects.get(pk=library.pk).timezone == "Europe/Riga"
