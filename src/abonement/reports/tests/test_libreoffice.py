"""Exported files open in LibreOffice with Cyrillic and Latvian intact and no formula run (SPEC R5).

LibreOffice converts each file to CSV (UTF-8); what it writes is what a librarian would see in the cells.
"""

import csv
import shutil
import subprocess
import zoneinfo
from datetime import date, datetime
from pathlib import Path

import pytest

from abonement.core import events
from abonement.core.models import Event

SOFFICE = shutil.which("soffice")
UTF8_CSV = "csv:Text - txt - csv (StarCalc):44,34,76"
INJECTION = '=HYPERLINK("http://x","y")'


def libreoffice_cells(path: Path, tmp_path: Path, *, separator: str = ",") -> list[list[str]]:
    """The cells LibreOffice shows; a CSV is read with `separator` as its only list separator."""
    # Not a skip: without LibreOffice this check has not run, and the suite must say so (./dev test installs it).
    assert SOFFICE, "LibreOffice is needed: apt-get install -y libreoffice-calc-nogui (./dev test does it)"
    out = tmp_path / "out"
    options = [f"--infilter=Text - txt - csv (StarCalc):{ord(separator)},34,76"] if path.suffix == ".csv" else []
    subprocess.run(  # noqa: S603 — fixed arguments, our own temporary files
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            *options,
            "--convert-to",
            UTF8_CSV,
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with (out / f"{path.stem}.csv").open(encoding="utf-8-sig", newline="") as converted:
        return list(csv.reader(converted))


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_events_report_opens_in_libreoffice(
    fmt, library_factory, librarian_factory, card_factory, title_factory, signed_in, tmp_path
):
    library = library_factory(timezone="Europe/Riga")
    card = card_factory(library=library, full_name="Ёлка Ķēniņš", birth_date=date(2012, 1, 1))
    for name in ("Ёлка", "Ķēniņš", INJECTION):
        events.record(
            Event.Kind.ISSUED,
            library=library,
            card=card,
            title=title_factory(title=name),
            now=datetime(2026, 3, 5, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Riga")),
        )
    client = signed_in(librarian_factory(library=library))
    response = client.get(
        "/staff/reports/events/", {"start": "05.03.2026", "end": "05.03.2026", "kinds": ["issued"], "format": fmt}
    )
    path = tmp_path / f"events.{fmt}"
    path.write_bytes(b"".join(response.streaming_content) if response.streaming else response.content)

    rows = libreoffice_cells(path, tmp_path)

    assert rows[0][0] == "Date and time" and len(rows) == 4
    # An xlsx text cell is text: LibreOffice shows the formula's text, not "y" (what HYPERLINK would show).
    assert [row[9] for row in rows[1:]] == ["Ёлка", "Ķēniņš", "'" + INJECTION if fmt == "csv" else INJECTION]
    assert all(row[5] == "Ёлка Ķēniņš" for row in rows[1:])
    assert rows[1][0].startswith("2026-03-05 12:00") or rows[1][0].startswith("03/05/26 12:00")


@pytest.mark.django_db
def test_a_hostile_cell_stays_text_when_libreoffice_splits_at_semicolons(
    library_factory, librarian_factory, card_factory, title_factory, signed_in, tmp_path
):
    """LibreOffice in ru/lv guesses ";" as the list separator: an unquoted `Petrov;=2*21;` would become "42"."""
    library = library_factory(timezone="Europe/Riga")
    card = card_factory(library=library, full_name="Petrov;=2*21;", birth_date=date(2012, 1, 1))
    events.record(
        Event.Kind.ISSUED,
        library=library,
        card=card,
        title=title_factory(title="Ёлка; -1+2"),
        now=datetime(2026, 3, 5, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Riga")),
    )
    client = signed_in(librarian_factory(library=library))
    response = client.get(
        "/staff/reports/events/", {"start": "05.03.2026", "end": "05.03.2026", "kinds": ["issued"], "format": "csv"}
    )
    path = tmp_path / "events.csv"
    path.write_bytes(b"".join(response.streaming_content))

    rows = libreoffice_cells(path, tmp_path, separator=";")

    cells = [cell for row in rows for cell in row]
    assert "42" not in cells and "1" not in cells
    assert any("Petrov;=2*21;" in cell for cell in cells) and any("Ёлка; -1+2" in cell for cell in cells)
