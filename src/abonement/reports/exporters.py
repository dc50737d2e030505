"""Every report as a table (header + rows) that the page, the xlsx and the CSV writers share.

Files go through core.spreadsheets only, so every cell is neutralised the same way (SPEC R5).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from abonement.libraries.models import Library
from abonement.reports import statistics
from abonement.reports.statistics import AGE_BANDS, Period


@dataclass
class Table:
    slug: str
    title: str
    header: list[str]
    rows: Iterable[list]

    def filename(self, period: Period, fmt: str) -> str:
        return f"{self.slug}-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.{fmt}"


def band_label(band: str) -> str:
    return _("age unknown") if band == "unknown" else band


def general_table(library: Library, period: Period, **_params) -> Table:
    rows = [
        [d.day, d.issued, d.ebooks, d.paper, d.visits, d.registrations, d.credits_spent]
        for d in statistics.general(library, period)
    ]
    header = [
        _("Day"),
        _("Loans issued"),
        _("of them e-books"),
        _("of them paper books"),
        _("Visits"),
        _("Registrations"),
        _("Credits spent"),
    ]
    return Table("general", _("General"), header, rows)


def attendance_table(library: Library, period: Period, **_params) -> Table:
    rows = [
        [day, *(bands[b] for b in AGE_BANDS), sum(bands.values())]
        for day, bands in statistics.attendance(library, period)
    ]
    header = [_("Day"), *(band_label(b) for b in AGE_BANDS), _("All readers")]
    return Table("attendance", _("Attendance"), header, rows)


def circulation_table(library: Library, period: Period, **_params) -> Table:
    rows = [
        [r["title_id"], r["title__title"], r["acquired"], r["issued"]] for r in statistics.circulation(library, period)
    ]
    header = [_("Title ID"), _("Title"), _("Copies acquired"), _("Loans issued")]
    return Table("circulation", _("Circulation"), header, rows)


def events_table(library: Library, period: Period, *, kinds, **_params) -> Table:
    return Table("events", _("Events"), statistics.event_header(), statistics.event_rows(library, period, kinds))


TABLES = {
    "general": general_table,
    "events": events_table,
    "attendance": attendance_table,
    "circulation": circulation_table,
}
