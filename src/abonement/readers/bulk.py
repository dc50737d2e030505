"""Bulk registration of readers (SPEC A3): read rows from a paste, a .csv or an .xlsx, check every row, then
register all of them in one transaction.

Reading and checking write nothing. `check()` makes exactly two queries (e-mails and phones already in use,
anywhere in the installation), whatever the number of rows. `register()` is the one state change: the
readers (through `services.create_readers`) and the library's notice with the credentials file commit or
roll back together.
"""

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from abonement.accounts.identifiers import normalize_phone
from abonement.accounts.models import User
from abonement.core import clock
from abonement.core.errors import DomainError
from abonement.core.spreadsheets import XLSX_TYPE, xlsx_bytes
from abonement.libraries.models import Library
from abonement.notifications import services as notices
from abonement.readers import services
from abonement.readers.models import Card, Group

MAX_ROWS = 10_000
# Lines or sheet rows read at most, empty ones included: a sheet of a million styled empty rows (4.9 MB) is
# refused after this many instead of being read to its end (21 s, near gunicorn's 30 s timeout).
MAX_LINES = 2 * MAX_ROWS
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_XLSX_MEMBERS = 500
NAME_MAX = 200
GROUP_NAME_MAX = 150
EMAIL_MAX = 254
OLDEST_AGE_YEARS = 120

NAME, BIRTH_DATE, EMAIL, PHONE, GROUPS = COLUMNS = ("name", "birth_date", "email", "phone", "groups")
REQUIRED_COLUMNS = 4  # groups may be left out
COLUMN_LABELS = {
    NAME: _("Name"),
    BIRTH_DATE: _("Birth date"),
    EMAIL: _("E-mail"),
    PHONE: _("Phone"),
    GROUPS: _("Groups"),
}
MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlam")

# Words that mark a header row (compared case-insensitively as parts of a cell), in the three site languages.
HEADER_WORDS = (
    "name фио имя фамилия vārds uzvārds birth date рожд дата dzim datums mail почта pasts phone телефон tālr "
    "group групп grupa класс klase"
).split()
DATE_TEXT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
ISO_DATE_TEXT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
PHONE_PUNCTUATION = str.maketrans("", "", " -().\u00a0")


class BulkRefused(DomainError):
    """The input as a whole cannot be read: nothing is checked row by row."""

    code = "bulk_refused"
    status = 400


class NothingToImport(BulkRefused):
    code = "bulk_empty"
    message = _("There is nothing to import: paste rows from a spreadsheet or choose a file.")


class TooManyRows(BulkRefused):
    code = "bulk_too_many_rows"
    status = 413
    message = _("The list has more than %(limit)s rows. Split it into several imports of at most %(limit)s rows.")


class TooManyLines(BulkRefused):
    code = "bulk_too_many_lines"
    status = 413
    message = _(
        "The list goes on past row %(limit)s (empty rows count too). Delete the empty rows below the readers, or "
        "split the list into imports of at most %(rows)s rows."
    )


class FileTooLarge(BulkRefused):
    code = "bulk_file_too_large"
    status = 413
    message = _("The file “%(name)s” is larger than %(limit)s MB.")


class MacroFileRefused(BulkRefused):
    code = "bulk_macro_file"
    message = _(
        "Files with macros (%(name)s) are not accepted: save the sheet as “Excel Workbook (.xlsx)” and upload it again."
    )


class WrongFileType(BulkRefused):
    code = "bulk_wrong_file_type"
    message = _("Upload an .xlsx or a .csv file; “%(name)s” is neither.")


class BrokenXlsx(BulkRefused):
    code = "bulk_broken_xlsx"
    message = _(
        "“%(name)s” is not a readable .xlsx file. Save it from Excel or LibreOffice as “Excel Workbook (.xlsx)” "
        "and upload it again."
    )


class XlsxTooBig(BulkRefused):
    code = "bulk_xlsx_too_big"
    status = 413
    message = _("“%(name)s” unpacks to more than %(limit)s MB: that is too much for a list of readers.")


class CsvNotUtf8(BulkRefused):
    code = "bulk_csv_encoding"
    message = _("“%(name)s” is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")


class BrokenCsv(BulkRefused):
    code = "bulk_broken_csv"
    message = _("“%(name)s” cannot be read as CSV near line %(line)s. Save it from the spreadsheet again.")


# ---- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawRow:
    """One non-empty row as read: `number` is the line of the paste or the row of the sheet (1-based)."""

    number: int
    cells: tuple


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def _looks_like_header(cells: Sequence) -> bool:
    """A header has text without digits under "birth date" and names at least two columns in a site language."""
    birth = cells[1] if len(cells) > 1 else None
    if not isinstance(birth, str) or not birth.strip() or any(ch.isdigit() for ch in birth):
        return False
    texts = [c.casefold() for c in cells if isinstance(c, str) and "@" not in c]
    return sum(any(word in text for word in HEADER_WORDS) for text in texts) >= 2


def _collect(numbered_rows: Iterable[tuple[int, Sequence]], *, pad_to_header: bool) -> list[RawRow]:
    """Skip empty rows and a header row; stop as soon as there are more than MAX_ROWS rows or MAX_LINES lines.

    The line cap counts by `number`, so a sheet whose rows jump far ahead (openpyxl fills the gap with empty
    rows) is stopped as early as one that spells every empty row out; the sheet's own dimension is not trusted.
    """
    rows: list[RawRow] = []
    header_width = 0
    first = True
    for number, cells in numbered_rows:
        if number > MAX_LINES:
            raise TooManyLines(
                limit=number_format(MAX_LINES, force_grouping=True), rows=number_format(MAX_ROWS, force_grouping=True)
            )
        if all(_is_empty(c) for c in cells):
            continue
        if first:
            first = False
            if _looks_like_header(cells):
                header_width = len(cells)
                continue
        cells = tuple(cells)
        if pad_to_header and len(cells) < header_width:
            cells += (None,) * (header_width - len(cells))
        rows.append(RawRow(number, cells))
        if len(rows) > MAX_ROWS:
            raise TooManyRows(limit=number_format(MAX_ROWS, force_grouping=True))
    if not rows:
        raise NothingToImport()
    return rows


def read_paste(text: str) -> list[RawRow]:
    """Tab-separated lines as a spreadsheet copies them; rows are numbered as lines of the paste."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _collect(((n, line.split("\t")) for n, line in enumerate(lines, start=1)), pad_to_header=False)


def read_csv(data: bytes, *, name: str = "") -> list[RawRow]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvNotUtf8(name=name) from exc
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _collect(((reader.line_num, row) for row in reader), pad_to_header=True)
    except csv.Error as exc:
        raise BrokenCsv(name=name, line=reader.line_num) from exc


def _check_zip(data: bytes, name: str) -> None:
    """Refuse what is not a zip, what unpacks too big (a zip bomb) and workbooks that carry macros."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BrokenXlsx(name=name) from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_XLSX_MEMBERS:
            raise BrokenXlsx(name=name)
        # zipfile never unpacks a member beyond its declared size, so the declared sizes bound the work.
        if sum(m.file_size for m in members) > MAX_XLSX_UNPACKED_BYTES:
            raise XlsxTooBig(name=name, limit=MAX_XLSX_UNPACKED_BYTES // (1024 * 1024))
        names = {m.filename.lower(): m for m in members}
        if "[content_types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
            raise BrokenXlsx(name=name)
        try:
            content_types = archive.read(names["[content_types].xml"])
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
            raise BrokenXlsx(name=name) from exc
        if any(n.endswith("vbaproject.bin") for n in names) or b"macroenabled" in content_types.lower():
            raise MacroFileRefused(name=name)


def read_xlsx(data: bytes, *, name: str = "") -> list[RawRow]:
    """The first sheet; rows are numbered as the spreadsheet numbers them."""
    from openpyxl import load_workbook

    _check_zip(data, name)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds of errors for a broken workbook
        raise BrokenXlsx(name=name) from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # a wrong <dimension> in the file must not hide rows
        return _collect(enumerate(sheet.iter_rows(values_only=True), start=1), pad_to_header=True)
    except BulkRefused:
        raise
    except Exception as exc:  # noqa: BLE001
        raise BrokenXlsx(name=name) from exc
    finally:
        workbook.close()


def read_upload(upload) -> list[RawRow]:
    """An uploaded .xlsx or .csv (Django's UploadedFile or anything with .name, .size and .read())."""
    name = upload.name or ""
    lower = name.lower()
    if lower.endswith(MACRO_EXTENSIONS):
        raise MacroFileRefused(name=name)
    if not lower.endswith((".xlsx", ".csv")):
        raise WrongFileType(name=name)
    if upload.size > MAX_UPLOAD_BYTES:
        raise FileTooLarge(name=name, limit=MAX_UPLOAD_BYTES // (1024 * 1024))
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileTooLarge(name=name, limit=MAX_UPLOAD_BYTES // (1024 * 1024))
    if not data:
        raise NothingToImport()
    return read_xlsx(data, name=name) if lower.endswith(".xlsx") else read_csv(data, name=name)


# ---- checking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One broken rule: `row` None means the input as a whole; `column` is a key of COLUMN_LABELS or None."""

    row: int | None
    column: str | None
    message: str

    @property
    def column_label(self) -> str:
        return str(COLUMN_LABELS[self.column]) if self.column else ""


@dataclass
class Checked:
    readers: list[services.NewReader] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    status: int = 400  # the HTTP status to answer with when there are errors

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.strftime("%d.%m.%Y")
    return str(value).strip()


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _birth_date(value, today: date) -> tuple[date | None, str | None]:
    shown = _text(value)
    born = _as_date(value)
    if born is None:
        if not shown:
            return None, gettext("Enter the birth date.")
        match = DATE_TEXT.match(shown)
        parts = (match.group(3), match.group(2), match.group(1)) if match else None
        iso = ISO_DATE_TEXT.match(shown)
        parts = parts or ((iso.group(1), iso.group(2), iso.group(3)) if iso else None)
        if parts is None:
            return None, gettext("“%(value)s” is not a date: write it as DD.MM.YYYY, like 01.09.2012.") % {
                "value": shown
            }
        try:
            born = date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            return None, gettext("There is no such date as %(value)s.") % {"value": shown}
    shown = born.strftime("%d.%m.%Y")
    if born > today:
        return None, gettext("The birth date %(date)s is in the future.") % {"date": shown}
    if born < _years_before(today, OLDEST_AGE_YEARS):
        return None, gettext("The birth date %(date)s is too long ago.") % {"date": shown}
    return born, None


def _email(value) -> tuple[str | None, str | None]:
    raw = _text(value)
    if not raw:
        return None, None
    email = raw.lower()
    try:
        if len(email) > EMAIL_MAX:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        return None, gettext("“%(value)s” is not a valid e-mail address, like name@example.org.") % {"value": raw}
    return email, None


def _phone(value) -> tuple[str | None, str | None]:
    raw = _text(value)
    if not raw:
        return None, None
    compact = raw.translate(PHONE_PUNCTUATION)
    digits = compact[1:] if compact.startswith("+") else compact.removeprefix("00")  # 00 = international prefix
    if any(ch.isalpha() for ch in digits):
        return None, gettext("The phone “%(value)s” has letters: write digits only, like 79261234567.") % {"value": raw}
    if not (digits.isascii() and digits.isdigit()):
        return None, gettext("The phone “%(value)s” has other signs than digits: write it like 79261234567.") % {
            "value": raw
        }
    phone = normalize_phone(digits)
    if phone is None:
        return None, gettext(
            "%(phone)s is not a valid phone number: give it with the country code, like 79261234567."
        ) % {"phone": raw}
    return phone, None


def _groups(value, spelling: dict[str, str]) -> tuple[tuple[str, ...], list[str]]:
    """Comma-separated names; one spelling per name across the whole import (the first one met)."""
    names: dict[str, str] = {}
    problems = []
    for part in _text(value).split(","):
        name = part.strip()
        if not name:
            continue
        if len(name) > GROUP_NAME_MAX:
            problems.append(
                gettext("The group name “%(value)s…” is longer than %(limit)s characters.")
                % {"value": name[:40], "limit": GROUP_NAME_MAX}
            )
            continue
        key = name.lower()  # as services._groups_by_name matches them
        names.setdefault(key, spelling.setdefault(key, name))
    return tuple(names.values()), problems


def _column_count_error(row: RawRow) -> RowError | None:
    cells = list(row.cells)
    while len(cells) > len(COLUMNS) and _is_empty(cells[-1]):
        cells.pop()
    if len(cells) < REQUIRED_COLUMNS:
        missing = COLUMNS[len(cells) : REQUIRED_COLUMNS]
        return RowError(
            row.number,
            missing[0],
            gettext("Missing column: %(columns)s. The columns are name, birth date, e-mail, phone, groups.")
            % {"columns": ", ".join(str(COLUMN_LABELS[c]) for c in missing)},
        )
    if len(cells) > len(COLUMNS):
        return RowError(
            row.number,
            None,
            gettext(
                "Extra columns: the row has %(count)s columns (“%(value)s” is beyond the fifth), only 5 are read: "
                "name, birth date, e-mail, phone, groups."
            )
            % {"count": len(cells), "value": next(_text(c) for c in cells[len(COLUMNS) :] if not _is_empty(c))[:40]},
        )
    return None


class _Checker:
    """Applies the row rules and remembers what earlier rows used (in-file duplicates, group spellings)."""

    def __init__(self, today: date, contact_required: bool):
        self.today = today
        self.contact_required = contact_required
        self.email_rows: dict[str, int] = {}
        self.phone_rows: dict[str, int] = {}
        self.group_spelling: dict[str, str] = {}

    def row(self, row: RawRow) -> tuple[services.NewReader | None, list[RowError]]:
        problem = _column_count_error(row)
        if problem:
            return None, [problem]
        cells = list(row.cells) + [None] * (len(COLUMNS) - len(row.cells))
        errors: list[tuple[str, str]] = []

        name = _text(cells[0])
        if not name:
            errors.append((NAME, gettext("Enter the reader's full name.")))
        elif len(name) > NAME_MAX:
            message = gettext("The name “%(value)s…” is longer than %(limit)s characters.")
            errors.append((NAME, message % {"value": name[:40], "limit": NAME_MAX}))

        born, problem = _birth_date(cells[1], self.today)
        if problem:
            errors.append((BIRTH_DATE, problem))

        email, problem = _email(cells[2])
        if problem:
            errors.append((EMAIL, problem))
        elif email in self.email_rows:
            message = gettext("The same e-mail %(email)s as in row %(row)s.")
            errors.append((EMAIL, message % {"email": email, "row": self.email_rows[email]}))
        elif email:
            self.email_rows[email] = row.number

        phone, problem = _phone(cells[3])
        if problem:
            errors.append((PHONE, problem))
        elif phone in self.phone_rows:
            message = gettext("The same phone %(phone)s as in row %(row)s.")
            errors.append((PHONE, message % {"phone": phone, "row": self.phone_rows[phone]}))
        elif phone:
            self.phone_rows[phone] = row.number

        if self.contact_required and not _text(cells[2]) and not _text(cells[3]):
            errors.append((EMAIL, str(services.ContactRequired.message)))

        group_names, problems = _groups(cells[4], self.group_spelling)
        errors.extend((GROUPS, p) for p in problems)

        if errors:
            return None, [RowError(row.number, column, message) for column, message in errors]
        reader = services.NewReader(full_name=name, birth_date=born, email=email, phone=phone, group_names=group_names)
        return reader, []

    def taken(self) -> list[RowError]:
        """E-mails and phones that already belong to someone in the installation: one query each."""
        errors = []
        if self.email_rows:
            taken = (
                User.objects.annotate(email_lower=Lower("email"))
                .filter(email_lower__in=list(self.email_rows))
                .values_list("email_lower", flat=True)
            )
            errors += [RowError(self.email_rows[e], EMAIL, str(services.EmailTaken(email=e))) for e in set(taken)]
        if self.phone_rows:
            taken = User.objects.filter(phone__in=list(self.phone_rows)).values_list("phone", flat=True)
            errors += [RowError(self.phone_rows[p], PHONE, str(services.PhoneTaken(phone=p))) for p in set(taken)]
        return errors


def check(rows: list[RawRow], *, today: date | None = None, contact_required: bool = True) -> Checked:
    """Check every row and collect every broken rule. Two queries, whatever the number of rows.
    `contact_required` False: a row may have neither e-mail nor phone (Library.readers_without_contact)."""
    checker = _Checker(today or timezone.localdate(clock.now()), contact_required)
    readers, errors = [], []
    for row in rows:
        reader, row_errors = checker.row(row)
        errors += row_errors
        if reader is not None:
            readers.append(reader)
    errors += checker.taken()
    if errors:
        order = {column: i for i, column in enumerate(COLUMNS)}
        errors.sort(key=lambda e: (e.row or 0, order.get(e.column, len(COLUMNS))))
        return Checked(errors=errors)
    return Checked(readers=readers)


def read_and_check(*, text: str = "", upload=None, today: date | None = None, contact_required: bool = True) -> Checked:
    """The whole input side: an upload wins over pasted text. Refusals of the whole input become one error."""
    try:
        rows = read_upload(upload) if upload is not None else read_paste(text)
    except BulkRefused as exc:
        return Checked(errors=[RowError(None, None, str(exc))], status=exc.status)
    return check(rows, today=today, contact_required=contact_required)


# ---- registering --------------------------------------------------------------------------------


def credentials_header() -> list[str]:
    return [
        gettext("Card number"),
        gettext("Full name"),
        gettext("Birth date"),
        gettext("E-mail"),
        gettext("Phone"),
        gettext("Groups"),
        gettext("Password"),
    ]


def credentials_rows(
    issued: Sequence[services.Issued], readers: Sequence[services.NewReader], group_spelling: dict[str, str]
) -> Iterator[list]:
    for item, reader in zip(issued, readers, strict=True):
        card = item.card
        yield [
            card.number,
            card.full_name,
            card.birth_date.strftime("%d.%m.%Y") if card.birth_date else "",
            reader.email or "",
            (reader.phone or "").lstrip("+"),  # as it is typed in the import, and no formula sign
            ", ".join(group_spelling.get(name.lower(), name) for name in reader.group_names),
            item.password,
        ]


def credentials_xlsx(
    library: Library, issued: Sequence[services.Issued], readers: Sequence[services.NewReader]
) -> bytes:
    """Card number, name, birth date, e-mail, phone, groups (as the library spells them) and password."""
    spelling = {name.lower(): name for name in Group.objects.filter(library=library).values_list("name", flat=True)}
    rows = credentials_rows(issued, readers, spelling)
    return xlsx_bytes(credentials_header(), rows, title=gettext("Readers"))


@dataclass(frozen=True)
class Registered:
    issued: list[services.Issued]
    credentials: bytes
    filename: str


def register(
    *,
    librarian: User | None,
    library: Library,
    readers: list[services.NewReader],
    language: str,
    notice_language: str | None = None,
    email_library: bool = False,
    now: datetime | None = None,
) -> Registered:
    """Create every reader and, when asked, queue the library's copy of the credentials, all or nothing.

    Each reader's own notice is queued by `create_readers`; with `email_library` the library (when it has a
    contact e-mail) gets the credentials file as an attachment. Raises `services.RegisteredMeanwhile` (409) when another
    registration took one of the e-mails or phones after `check()`.
    """
    if not readers:
        raise NothingToImport()
    if not library.readers_without_contact and any(not r.email and not r.phone for r in readers):
        raise services.ContactRequired()
    now = now or clock.now()
    filename = f"readers-{timezone.localtime(now):%Y-%m-%d-%H%M}.xlsx"
    with transaction.atomic():
        issued = services.create_readers(
            librarian=librarian,
            library=library,
            readers=readers,
            source=Card.Source.BULK_IMPORT,
            language=language,
            now=now,
        )
        credentials = credentials_xlsx(library, issued, readers)
        if email_library and library.contact_email:
            notices.queue(
                kind="bulk_credentials",
                to=library.contact_email,
                context={"count": len(issued)},
                library=library,
                language=notice_language or language,
                attachment=(filename, credentials, XLSX_TYPE),
                now=now,
            )
    return Registered(issued=issued, credentials=credentials, filename=filename)


# ---- the sample file and the form ---------------------------------------------------------------


def sample_header() -> list[str]:
    return [
        gettext("Name"),
        gettext("Birth date (DD.MM.YYYY)"),
        gettext("E-mail"),
        gettext("Phone (like 79261234567)"),
        gettext("Groups (comma-separated)"),
    ]


SAMPLE_ROWS = [
    ["Anna Bērziņa", "01.09.2012", "anna.berzina@example.org", "", "5A"],
    ["Иван Петров", "15.03.2011", "", "79261234567", "6B, Chess club"],
    ["Jānis Kalniņš", "28.02.2010", "janis.kalnins@example.org", "37120000000", ""],
]


def sample_xlsx() -> bytes:
    return xlsx_bytes(sample_header(), SAMPLE_ROWS, title=gettext("Readers"))


class BulkForm(forms.Form):
    rows = forms.CharField(
        label=_("Rows copied from a spreadsheet"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "wrap": "off", "autocomplete": "off"}),
        help_text=_(
            "One reader a line: name, birth date, e-mail, phone, groups — separated by tabs, as a "
            "spreadsheet copies them."
        ),
    )
    file = forms.FileField(
        label=_("Or a file (.xlsx or .csv)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        help_text=_("The first row holds the column names. A chosen file is imported instead of the pasted rows."),
    )
    language = forms.ChoiceField(label=_("Language of the messages to readers"), choices=settings.LANGUAGES)
    email_credentials = forms.BooleanField(
        label=_("E-mail the credentials file to the library"),
        required=False,
        help_text=_(
            "The file with every new password goes to the library's contact e-mail. Leave it off to download the "
            "file or print the slips on the next page: a mailbox is one more place where passwords can leak."
        ),
    )
