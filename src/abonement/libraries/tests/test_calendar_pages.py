"""The opening calendar pages (SPEC P2): weekly hours, closed days, public holidays; bad input is a 400."""

from datetime import date, time, timedelta

import pytest
from django.test import Client

from abonement.core import clock
from abonement.core.models import Event
from abonement.libraries.holidays import public_holidays
from abonement.libraries.models import ClosedDay, OpeningHours
from abonement.testing.factories import TEST_PASSWORD

WEEK = {f"day{weekday}": "" for weekday in range(7)}


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": user.username, "password": TEST_PASSWORD}).status_code == 302
    return client


@pytest.fixture
def library(library_factory):
    return library_factory(timezone="Europe/Riga")


@pytest.fixture
def client(library, librarian_factory):
    return signed_in(librarian_factory(library=library))


def url(library, tail=""):
    return f"/staff/calendar/{library.pk}/{tail}"


@pytest.mark.django_db
class TestHours:
    def test_several_intervals_a_day_are_saved_and_shown(self, client, library):
        response = client.post(
            url(library, "hours/"), {**WEEK, "day0": "09:00–13:00, 14:00-18:00", "day5": "10.00-14.00"}
        )
        assert response.status_code == 302
        rows = list(OpeningHours.objects.filter(library=library).values_list("weekday", "opens", "closes"))
        assert rows == [(0, time(9), time(13)), (0, time(14), time(18)), (5, time(10), time(14))]
        assert Event.objects.filter(kind=Event.Kind.CALENDAR_CHANGED, library=library).count() == 1
        page = client.get(url(library)).content.decode()
        assert 'value="09:00–13:00, 14:00–18:00"' in page
        assert "09:00–13:00, 14:00–18:00" in page.split('data-testid="upcoming"')[1]  # a Monday in the next 14 days

    @pytest.mark.parametrize(
        ("day", "text", "message"),
        [
            ("day2", "09:00-13:00, 12:00-18:00", "Opening hours on Wednesday overlap: 09:00–13:00 and 12:00–18:00"),
            ("day4", "18:00-09:00", "On Friday the library closes (09:00) before it opens (18:00)."),
            ("day1", "9 to 5", "Tuesday: write each time span as 09:00–18:00"),
            ("day6", "25:00-26:00", "Sunday: write each time span as 09:00–18:00"),
        ],
    )
    def test_bad_hours_are_400_naming_the_weekday_and_change_nothing(self, client, library, day, text, message):
        OpeningHours.objects.create(library=library, weekday=0, opens=time(10), closes=time(17))
        response = client.post(url(library, "hours/"), {**WEEK, "day0": "09:00-18:00", day: text})
        assert response.status_code == 400
        page = response.content.decode()
        assert message in page and f'id="id_{day}"' in page
        assert list(OpeningHours.objects.values_list("weekday", "opens", "closes")) == [(0, time(10), time(17))]
        assert not Event.objects.filter(kind=Event.Kind.CALENDAR_CHANGED).exists()


@pytest.mark.django_db
class TestClosedDays:
    def test_a_closed_day_is_added_shown_and_removed(self, client, library):
        day = clock.now().date() + timedelta(days=3)
        response = client.post(url(library, "closed/"), {"day": day.isoformat(), "name": "Sanitary day"})
        assert response.status_code == 302
        closed = ClosedDay.objects.get(library=library)
        assert (closed.day, closed.name) == (day, "Sanitary day")
        upcoming = client.get(url(library)).content.decode().split('data-testid="upcoming"')[1]
        assert "Closed · Sanitary day" in upcoming
        assert client.post(url(library, "closed/remove/"), {"id": closed.pk}).status_code == 302
        assert not ClosedDay.objects.exists()

    def test_a_date_in_the_past_is_400_and_nothing_changes(self, client, library):
        past = clock.now().date() - timedelta(days=2)
        response = client.post(url(library, "closed/"), {"day": past.isoformat(), "name": "Forgotten holiday"})
        assert response.status_code == 400
        assert f"{past:%d.%m.%Y} is in the past: closed days can be added from today on." in response.content.decode()
        assert not ClosedDay.objects.exists()
        assert not Event.objects.filter(kind=Event.Kind.CALENDAR_CHANGED).exists()

    def test_missing_reason_is_400(self, client, library):
        day = clock.now().date() + timedelta(days=3)
        response = client.post(url(library, "closed/"), {"day": day.isoformat(), "name": ""})
        assert response.status_code == 400 and "Say why the library is closed" in response.content.decode()
        assert not ClosedDay.objects.exists()


@pytest.mark.django_db
class TestPublicHolidays:
    def test_the_button_adds_the_years_holidays_once(self, client, library):
        year = clock.now().year + 1
        ClosedDay.objects.create(library=library, day=date(year, 6, 23), name="Līgo, typed by hand")
        expected = {day for day, _name in public_holidays("lv", year)}
        page = client.get(url(library)).content.decode()
        assert f"Add public holidays of {year} for Latvia" in page
        for _ in range(2):
            response = client.post(url(library, "holidays/"), {"country": "lv", "year": str(year)}, follow=True)
            assert response.status_code == 200
        assert "Public holidays added: 0." in response.content.decode()
        days = list(ClosedDay.objects.filter(library=library).values_list("day", flat=True))
        assert len(days) == len(set(days)) == len(expected)
        assert set(days) == expected
        assert ClosedDay.objects.get(day=date(year, 6, 23)).name == "Līgo, typed by hand"
        assert ClosedDay.objects.filter(public_holiday=True).count() == len(expected) - 1

    def test_unknown_country_is_400(self, client, library):
        response = client.post(url(library, "holidays/"), {"country": "xx", "year": "2027"})
        assert response.status_code == 400
        assert not ClosedDay.objects.exists()


@pytest.mark.django_db
def test_branches_of_the_librarians_library_are_editable_and_others_are_404(client, library, library_factory):
    branch = library_factory(network=library.network, parent=library)
    stranger = library_factory()
    assert client.get(url(branch)).status_code == 200
    assert "it keeps the hours of" in client.get(url(branch)).content.decode()
    assert client.get(url(stranger)).status_code == 404
    assert client.post(url(stranger, "hours/"), {**WEEK, "day0": "09:00-18:00"}).status_code == 404
    assert not OpeningHours.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("ru", "Календарь работы"), ("lv", "Darba laika kalendārs")])
def test_the_pages_speak_the_librarians_language(library, librarian_factory, language, words):
    client = signed_in(librarian_factory(library=library, language=language))
    client.cookies["django_language"] = language
    page = client.get(url(library), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert words in page
    rules_page = client.get("/staff/circulation-rules/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert {"ru": "Типы экземпляров и правила выдачи", "lv": "Eksemplāru veidi un izsniegšanas noteikumi"}[
        language
    ] in rules_page


@pytest.mark.django_db
def test_operators_edit_the_calendars_of_their_networks_libraries(library, library_factory, operator_factory):
    client = signed_in(operator_factory(network=library.network))
    assert (
        f"/operator/libraries/{library.pk}/calendar/"
        in client.get(f"/operator/libraries/{library.pk}/").content.decode()
    )
    response = client.post(f"/operator/libraries/{library.pk}/calendar/hours/", {**WEEK, "day3": "12:00-20:00"})
    assert response.status_code == 302 and response["Location"] == f"/operator/libraries/{library.pk}/calendar/"
    assert list(OpeningHours.objects.values_list("weekday", "opens", "closes")) == [(3, time(12), time(20))]
    page = client.get(f"/operator/libraries/{library.pk}/calendar/").content.decode()
    assert f'action="/operator/libraries/{library.pk}/calendar/holidays/"' in page
    stranger = library_factory()
    assert client.get(f"/operator/libraries/{stranger.pk}/calendar/").status_code == 404
    assert client.get(f"/staff/calendar/{library.pk}/").status_code == 403  # not a librarian
