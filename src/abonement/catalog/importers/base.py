"""What every reader produces and the loader consumes: plain records, their positions and errors."""

from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from abonement.core.errors import DomainError


class NotACatalogFile(DomainError):
    """The file as a whole cannot be read as the format asked for (or as any catalogue format): nothing is
    imported."""

    code = "not_a_catalog_file"
    status = 400
    message = _("The file is not a catalogue file (MARC 21, UNIMARC/RUSMARC, MARCXML or CSV).")


class ImportInterrupted(DomainError):
    """The database refused a batch (busy for too long, or a conflicting import at the same moment): the batches
    before it are imported, that batch and the rest of the file are not. `report` counts what was imported."""

    code = "import_interrupted"
    status = 503
    message = _(
        "The import stopped at %(position)s: the database could not take the batch of records that starts there "
        "(it may be busy). The records before it were imported, as the report shows; that batch and the records "
        "after it were not. Import the same file again to finish: records already imported are matched and "
        "updated, never duplicated."
    )

    def __init__(self, *, report: "ImportReport", position: "Position"):
        self.report = report
        super().__init__(position=position)  # shown in the language of whoever reads the message


class RecordProblem(Exception):
    """One record cannot be imported; the reason is shown to the person importing, with the position."""


@dataclass(frozen=True)
class Position:
    """Where a record sits in its file: record number (1-based) and byte offset, or row, or XML line."""

    number: int
    offset: int | None = None
    line: int | None = None
    row: int | None = None

    def __str__(self) -> str:
        if self.row is not None:
            return gettext("row %(row)d") % {"row": self.row}
        if self.offset is not None:
            return gettext("record %(number)d (byte %(offset)d)") % {"number": self.number, "offset": self.offset}
        if self.line is not None:
            return gettext("record %(number)d (line %(line)d)") % {"number": self.number, "line": self.line}
        return gettext("record %(number)d") % {"number": self.number}


@dataclass(frozen=True)
class RecordError:
    position: Position
    reason: str

    def __str__(self) -> str:
        return f"{self.position}: {self.reason}"


@dataclass
class AuthorName:
    name: str  # as shown: "Лев Толстой"
    sort_name: str  # surname first: "Толстой, Лев"
    role: str = ""  # "" for the author; translator, narrator, illustrator…


@dataclass
class ItemData:
    barcode: str
    library: str = ""  # a library of the network, by name or id; empty: the import's default library
    fund: str = ""
    shelf_mark: str = ""


# Title fields a record may carry. None means "this record does not say": an update leaves the field alone.
SCALAR_FIELDS = (
    "title",
    "series_number",
    "description",
    "language",
    "publisher",
    "year",
    "isbn",
    "age_rating",
    "pages",
    "illustrations",
    "duration_seconds",
    "price",
    "is_free",
    "format",
)


@dataclass
class TitleData:
    position: Position
    title: str
    control_number: str = ""
    source: str = ""  # empty: the import's source
    format: str | None = None  # None: ebook in the shared catalogue, paper in a network
    authors: list[AuthorName] | None = None
    series: str | None = None
    series_number: int | None = None
    genres: list[str] | None = None
    tags: list[str] | None = None
    description: str | None = None
    language: str | None = None
    publisher: str | None = None
    year: int | None = None
    isbn: str | None = None
    age_rating: int | None = None
    pages: int | None = None
    illustrations: int | None = None
    duration_seconds: int | None = None
    price: int | None = None
    is_free: bool | None = None
    items: list[ItemData] = field(default_factory=list)


@dataclass
class ImportReport:
    format: str = ""
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    items_created: int = 0
    items_updated: int = 0
    errors: list[RecordError] = field(default_factory=list)
    # Records imported, but not as the file says: e.g. a title other libraries hold keeps its details.
    warnings: list[RecordError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    MAX_ERRORS_KEPT = 10_000

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    def fail(self, error: RecordError) -> None:
        self.failed += 1
        if len(self.errors) < self.MAX_ERRORS_KEPT:
            self.errors.append(error)

    COUNTS = ("created", "updated", "unchanged", "failed", "items_created", "items_updated")

    def mark(self) -> tuple:
        """Where the report stands, to go back to when a batch is rolled back."""
        return tuple(getattr(self, name) for name in self.COUNTS), len(self.errors), len(self.warnings)

    def rewind(self, mark: tuple) -> None:
        counts, errors, warnings = mark
        for name, value in zip(self.COUNTS, counts, strict=True):
            setattr(self, name, value)
        del self.errors[errors:], self.warnings[warnings:]

    def warn(self, warning: RecordError) -> None:
        if len(self.warnings) < self.MAX_ERRORS_KEPT:
            self.warnings.append(warning)

    def summary(self) -> str:
        return gettext(
            "Created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d, failed: %(failed)d; "
            "items created: %(items_created)d, items updated: %(items_updated)d."
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "items_created": self.items_created,
            "items_updated": self.items_updated,
        }
