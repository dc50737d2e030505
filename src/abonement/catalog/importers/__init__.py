"""Catalogue import (SPEC C3): MARC 21 and UNIMARC/RUSMARC in ISO 2709 or MARCXML, and CSV.

    report = import_file(path_or_bytes_or_file, format=None, network=None)   # the command and staff pages
    report = import_records(records, source="provider")                      # TitleData or pymarc Records

The format is detected when not given: MARCXML by its root element, ISO 2709 by its leader, CSV by a header
row with a "title" column; MARC 21 and UNIMARC/RUSMARC by field layout, record by record. A file that is
none of these raises NotACatalogFile before anything is written. Re-importing updates: records match their
titles by (source, control number 001), then ISBN. Bad records are reported (position and reason) in the
ImportReport and skipped; the rest imports, one transaction per batch (ImportInterrupted when the database
refuses a batch: the batches before it stay imported).
"""

import io
from pathlib import Path

from django.utils.translation import gettext

from abonement.catalog.importers import csvfile, marc
from abonement.catalog.importers.base import (
    AuthorName,
    ImportInterrupted,
    ImportReport,
    ItemData,
    NotACatalogFile,
    Position,
    RecordError,
    TitleData,
)
from abonement.catalog.importers.loader import DEFAULT_BATCH_SIZE, import_records

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "FORMATS",
    "AuthorName",
    "ImportInterrupted",
    "ImportReport",
    "ItemData",
    "NotACatalogFile",
    "Position",
    "RecordError",
    "TitleData",
    "detect_format",
    "import_file",
    "import_records",
    "read_titles",
]

MARC21, UNIMARC, RUSMARC, MARCXML, CSV = FORMATS = ("marc21", "unimarc", "rusmarc", "marcxml", "csv")
HEAD_BYTES = 64 * 1024
LAYOUT_LABELS = {marc.MARC21: "MARC 21", marc.UNIMARC: "UNIMARC/RUSMARC"}


def detect_format(head: bytes) -> str:
    """marcxml, iso2709 or csv from the first bytes of a file; NotACatalogFile when it is none of them."""
    if not head.strip():
        raise NotACatalogFile(gettext("The file is empty."))
    root = marc.xml_root(head)
    if root is not None:
        if root in ("collection", "record"):
            return MARCXML
        raise NotACatalogFile(
            gettext("The file is XML but not MARCXML (its root element is <%(root)s>, not <collection> or <record>).")
            % {"root": root}
        )
    if marc.looks_like_iso2709(head):
        return "iso2709"
    if csvfile.sniff(head) is not None:
        return CSV
    raise NotACatalogFile(
        gettext(
            "The file is not MARC (no ISO 2709 record leader, no MARCXML root element) and not CSV with a "
            "“title” column."
        )
    )


def read_titles(stream, *, format: str | None = None):  # noqa: A002 — the command's option name
    """(label, notes, layouts, iterator of TitleData | RecordError) for a binary stream; reading is lazy."""
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    detected = detect_format(head)
    if format in (MARC21, UNIMARC, RUSMARC):
        if detected != "iso2709":
            raise NotACatalogFile(
                gettext("The file is not ISO 2709 MARC (%(format)s was asked for).") % {"format": format.upper()}
            )
        layout = marc.MARC21 if format == MARC21 else marc.UNIMARC
    elif format == MARCXML:
        if detected != MARCXML:
            raise NotACatalogFile(
                gettext("The file is not MARCXML: its first element is not <collection> or <record>.")
            )
        layout = None
    elif format == CSV:
        if detected != CSV:
            raise NotACatalogFile(gettext("The file is not CSV with a header row that has a “title” column."))
        layout = None
    elif format is None:
        layout = None
    else:
        raise NotACatalogFile(gettext("Unknown format “%(format)s”.") % {"format": format})

    layouts: set[str] = set()
    if detected == CSV:
        ignored, rows = csvfile.read_csv(stream.read())
        notes = []
        if ignored:
            notes.append(gettext("Columns ignored (not known): %(columns)s.") % {"columns": ", ".join(ignored)})
        return "CSV", notes, layouts, rows
    records = marc.read_iso2709(stream) if detected == "iso2709" else marc.read_marcxml(stream)
    label = "ISO 2709" if detected == "iso2709" else "MARCXML"
    return label, [], layouts, marc.titles_from(records, layout, layouts)


def import_file(
    file,
    *,
    format: str | None = None,  # noqa: A002
    source: str = "",
    network=None,
    library=None,
    libraries=None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress=None,
) -> ImportReport:
    """Import a file (a path, bytes or a binary file object) into the shared catalogue or a network."""
    if isinstance(file, str | Path):
        with open(file, "rb") as stream:
            return import_file(
                stream,
                format=format,
                source=source,
                network=network,
                library=library,
                libraries=libraries,
                batch_size=batch_size,
                progress=progress,
            )
    stream = io.BytesIO(file) if isinstance(file, bytes) else file
    label, notes, layouts, titles = read_titles(stream, format=format)
    report = ImportReport(format=label, notes=notes)
    try:
        import_records(
            titles,
            source=source,
            network=network,
            library=library,
            libraries=libraries,
            batch_size=batch_size,
            progress=progress,
            report=report,
        )
    finally:  # an interrupted import's report names the layouts read so far too
        if layouts:
            report.format = f"{' + '.join(LAYOUT_LABELS[x] for x in sorted(layouts))} ({label})"
    return report
