"""Report periods are bounded (issue #12): a day the calendar cannot hold in the library's time zone, or one
no report can mean, is a 400 that names the field, never a 500 from an overflowing date."""

import zoneinfo
from datetime import timedelta

import pytest

from abonement.core import clock

REPORTS = ["/staff/reports/", "/staff/reports/events/", "/staff/reports/attendance/", "/staff/reports/circulation/"]


@pytest.fixture
def client(library_factory, librarian_factory, signed_in):
    # East of UTC: the first day 0001-01-01 begins before the first moment a datetime can hold.
    return signed_in(librarian_factory(library=library_factory(timezone="Asia/Tokyo")))


@pytest.mark.django_db
@pytest.mark.parametrize("url", REPORTS)
@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("9999-12-01", "9999-12-31", "End of period"),
        ("0001-01-01", "0001-01-02", "Start of period"),
        ("1999-12-31", "2000-01-10", "Start of period"),
    ],
)
@pytest.mark.parametrize("fmt", ["", "csv", "xlsx"])
def test_a_day_out_of_range_is_400_naming_the_field(client, url, start, end, field, fmt):
    response = client.get(url, {"preset": "custom", "start": start, "end": end, "kinds": "issued", "format": fmt})
    assert response.status_code == 400
    assert f"{field}: choose a day from 01.01.2000 to " in response.content.decode()


@pytest.mark.django_db
def test_the_range_ends_a_year_ahead(client):
    today = clock.now().astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")).date()
    last = today + timedelta(days=366)
    ok = client.get(REPORTS[0], {"preset": "custom", "start": last - timedelta(days=10), "end": last})
    assert ok.status_code == 200
    too_far = client.get(REPORTS[0], {"preset": "custom", "start": last, "end": last + timedelta(days=2)})
    assert too_far.status_code == 400
    assert "End of period: choose a day from" in too_far.content.decode()


@pytest.mark.django_db
def test_the_message_is_in_the_librarians_language(library_factory, librarian_factory, signed_in):
    librarian = librarian_factory(library=library_factory(), language="ru")
    client = signed_in(librarian)
    response = client.get(REPORTS[0], {"preset": "custom", "start": "0001-01-01", "end": "0001-01-02"})
    assert response.status_code == 400
    assert "Начало периода: выберите день с 01.01.2000 по " in response.content.decode()
