"""Statistics pages and files (SPEC R1–R5): periods, bad input, formula injection, background exports."""

import csv
import html
import io
import re
import zoneinfo
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from abonement.circulation.models import Copy
from abonement.core import clock, events
from abonement.core.models import Event
from abonement.reports.models import Export

RIGA = zoneinfo.ZoneInfo("Europe/Riga")
INJECTION = '=HYPERLINK("http://x","y")'


def xlsx_rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def desk(library_factory, librarian_factory, card_factory, title_factory, signed_in):
    """A library in Riga, its librarian signed in, a reader and a title with a formula for a name."""
    library = library_factory(timezone="Europe/Riga")
    card = card_factory(library=library, full_name=INJECTION, birth_date=date(2000, 1, 1))
    title = title_factory(title=INJECTION)
    today = clock.now().astimezone(RIGA).date()
    events.record(
        Event.Kind.ISSUED,
        library=library,
        card=card,
        title=title,
        now=datetime.combine(today, datetime.min.time(), tzinfo=RIGA) + timedelta(hours=1),
    )
    client = signed_in(librarian_factory(library=library))
    return {"library": library, "card": card, "title": title, "client": client, "today": today}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/staff/reports/",
        "/staff/reports/events/",
        "/staff/reports/attendance/",
        "/staff/reports/circulation/",
        "/staff/reports/exports/",
    ],
)
def test_pages_open_with_the_week_preset(desk, url):
    response = desk["client"].get(url)
    assert response.status_code == 200
    assert "Library statistics" in response.content.decode() or "Prepared files" in response.content.decode()


@pytest.mark.django_db
def test_general_page_shows_today_s_loan(desk):
    response = desk["client"].get("/staff/reports/", {"preset": "today"})
    rows = response.context["rows"]
    assert rows == [[desk["today"], 1, 1, 0, 0, 0, 0]]  # one loan, an e-book issue
    # The preset's day is shown as a custom range, so changing a date next takes effect.
    page = response.content.decode()
    assert f'name="start" value="{desk["today"]:%Y-%m-%d}"' in page
    assert '<option value="custom" selected>' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "end", "The period ends before it starts."),
        ({"start": "2025-01-01", "end": "2026-01-02"}, "end", "A period is at most 366 days long."),
        ({"start": "31.02.2026", "end": "2026-03-01"}, "start", "Enter a valid date."),
        ({"start": "", "end": "2026-03-01"}, "start", "Enter the first day of the period."),
        ({"preset": "fortnight"}, "preset", "Select a valid choice."),
        ({"preset": "today", "format": "pdf"}, "format", "Select a valid choice."),
    ],
)
@pytest.mark.parametrize("fmt", ["", "xlsx", "csv"])
def test_bad_period_is_400_naming_the_field_and_exports_nothing(desk, params, field, message, fmt):
    response = desk["client"].get("/staff/reports/circulation/", {**params, "format": params.get("format", fmt)})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in " ".join(response.context["form"].errors[field])
    label = response.context["form"][field].label
    assert f"{label}</a>: {message}" in response.content.decode()


@pytest.mark.django_db
def test_unknown_event_kind_is_400(desk):
    response = desk["client"].get(
        "/staff/reports/events/", {"preset": "today", "kinds": ["issued", "teleported"], "format": "csv"}
    )
    assert response.status_code == 400
    assert "teleported" in " ".join(response.context["form"].errors["kinds"])
    assert not Export.objects.exists()


@pytest.mark.django_db
def test_events_filter_by_kind(desk):
    events.record(
        Event.Kind.RETURNED,
        library=desk["library"],
        card=desk["card"],
        title=desk["title"],
        now=datetime.combine(desk["today"], datetime.min.time(), tzinfo=RIGA) + timedelta(hours=2),
    )
    client = desk["client"]
    only_returns = csv_rows(
        client.get("/staff/reports/events/", {"preset": "today", "kinds": ["returned"], "format": "csv"})
    )
    both = csv_rows(
        client.get("/staff/reports/events/", {"preset": "today", "kinds": ["returned", "issued"], "format": "csv"})
    )
    assert [row[2] for row in only_returns[1:]] == ["Returned"]
    assert [row[2] for row in both[1:]] == ["Issued", "Returned"]


@pytest.mark.django_db
@pytest.mark.parametrize("report", ["", "events/", "attendance/", "circulation/"])
def test_every_report_downloads_in_both_formats_with_formulas_neutralised(desk, report):
    params = {"preset": "today", "kinds": ["issued"]}
    url = f"/staff/reports/{report}"
    sheet = xlsx_rows(desk["client"].get(url, {**params, "format": "xlsx"}))
    table = csv_rows(desk["client"].get(url, {**params, "format": "csv"}))
    assert len(sheet) == len(table) == 2  # header and one row (one day, one title or one event)
    for value in table[1]:
        assert not str(value or "").startswith(("=", "+", "-", "@"))
    if report in {"events/", "circulation/"}:
        # In CSV the apostrophe defuses the formula; an xlsx text cell is text already and keeps the value as is.
        assert "'" + INJECTION in table[1] and INJECTION in sheet[1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/staff/readers/export/{fmt}/", "/staff/fund/export/{fmt}/", "/staff/readers/{card}/history.{fmt}"],
)
def test_lists_download_in_both_formats_with_formulas_neutralised(desk, url):
    Copy.objects.create(library=desk["library"], title=desk["title"], acquired_at=clock.now())
    for fmt in ("xlsx", "csv"):
        response = desk["client"].get(url.format(fmt=fmt, card=desk["card"].pk) + "?tab=history")
        assert response.status_code == 200
        rows = xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)
        cells = [str(v) for row in rows[1:] for v in row if v is not None]
        shown, hidden = (INJECTION, "'" + INJECTION) if fmt == "xlsx" else ("'" + INJECTION, INJECTION)
        assert shown in cells, (url, fmt, rows)
        assert hidden not in cells


@pytest.mark.django_db
def test_history_export_with_a_bad_period_is_400(desk):
    response = desk["client"].get(
        f"/staff/readers/{desk['card'].pk}/history.csv", {"tab": "history", "start": "2026-03-10", "end": "2026-03-01"}
    )
    assert response.status_code == 400
    assert not response.streaming


@pytest.mark.django_db(transaction=True)
def test_a_long_events_report_is_made_in_the_background(desk, run_worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = desk["client"]
    params = {
        "start": (desk["today"] - timedelta(days=40)).isoformat(),
        "end": desk["today"].isoformat(),
        "kinds": ["issued", "returned"],
        "format": "xlsx",
    }
    # A GET only offers the button: a link or a cross-site navigation (SameSite=Lax sends the cookie) starts nothing.
    client.handler.enforce_csrf_checks = True
    offer = client.get("/staff/reports/events/", params)
    assert offer.status_code == 200 and not Export.objects.exists()
    page = offer.content.decode()
    action = "/staff/reports/events/" + html.unescape(
        re.search(r'<form method="post" action="([^"]+)">', page).group(1)
    )
    assert "The file is prepared in the background" in page and "1 event." in page
    assert client.post(action).status_code == 403 and not Export.objects.exists()  # no CSRF token
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(action, {"csrfmiddlewaretoken": token})
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/reports/exports/{export.pk}/"
    assert (export.fmt, export.params["kinds"]) == ("xlsx", ["issued", "returned"])
    waiting = client.get(response["Location"])
    assert waiting["Refresh"] == "3" and "Queued" in waiting.content.decode()
    assert client.get(f"/staff/reports/exports/{export.pk}/file/").status_code == 404

    run_worker()

    export.refresh_from_db()
    assert (export.status, export.rows_total, export.percent) == ("done", 1, 100)
    ready = client.get(f"/staff/reports/exports/{export.pk}/")
    assert not ready.has_header("Refresh") and "Download" in ready.content.decode()
    rows = xlsx_rows(client.get(f"/staff/reports/exports/{export.pk}/file/"))
    assert rows[1][2] == "Issued" and rows[1][9] == INJECTION
    # The file lies outside MEDIA_ROOT and has no public URL: only the checked download view serves it.
    export.refresh_from_db()
    assert not Path(export.file.path).is_relative_to(settings.MEDIA_ROOT)
    with pytest.raises(ValueError):
        _ = export.file.url
    # A second delivery of the task (or a second worker) finds the export taken and changes nothing.
    from abonement.reports import services

    services.run_export(export.pk)
    again = Export.objects.get(pk=export.pk)
    assert (again.status, again.file.name, again.finished_at) == ("done", export.file.name, export.finished_at)


@pytest.mark.django_db
def test_another_library_s_export_is_404(desk, library_factory, librarian_factory, signed_in):
    other = library_factory()
    foreign = Export.objects.create(
        library=other,
        requested_by=librarian_factory(library=other),
        report="events",
        fmt="csv",
        created_at=clock.now(),
        status="done",
        file="exports/x.csv",
    )
    for url in (f"/staff/reports/exports/{foreign.pk}/", f"/staff/reports/exports/{foreign.pk}/file/"):
        assert desk["client"].get(url).status_code == 404
    assert "x.csv" not in desk["client"].get("/staff/reports/exports/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("start,end", [("0001-01-01", "9999-12-31"), ("9999-12-31", "9999-12-31")])
def test_reader_history_at_the_ends_of_the_calendar_is_a_clear_answer(desk, start, end):
    period = {"tab": "history", "start": start, "end": end}
    card = desk["card"].pk
    for url in (f"/staff/readers/{card}/", f"/staff/readers/{card}/history.csv"):
        response = desk["client"].get(url, period)
        assert response.status_code in {200, 400}, (url, response.status_code)
