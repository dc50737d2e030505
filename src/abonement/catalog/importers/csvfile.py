"""Titles from CSV: one row per title (paper: one row per item; rows of the same title are merged).

Columns (header row required, any order, case-insensitive): title (required), authors (separated by ";"),
series, series_number, genres, tags (";"), description, language, publisher, year, isbn, age_rating
(0+ 6+ 12+ 16+ 18+), format (ebook, audiobook, paper), pages, duration_seconds, price, is_free, and for
paper books barcode, library, fund, shelf_mark; control_number (optional) identifies the row's record for
re-imports. UTF-8 (with or without BOM) or Windows-1251; comma, semicolon or tab separated.
"""

import csv
import io
from collections.abc import Iterator

from django.utils.translation import gettext

from abonement.catalog.importers import normalize as n
from abonement.catalog.importers.base import ItemData, NotACatalogFile, Position, RecordError, TitleData
from abonement.catalog.importers.marc import CONTROL_NUMBER_MAX, NAME_MAX, TERM_MAX, TITLE_MAX
from abonement.catalog.models import AgeRating, Format

COLUMNS = (
    "title",
    "authors",
    "series",
    "series_number",
    "genres",
    "tags",
    "description",
    "language",
    "publisher",
    "year",
    "isbn",
    "age_rating",
    "format",
    "pages",
    "duration_seconds",
    "price",
    "is_free",
    "barcode",
    "library",
    "fund",
    "shelf_mark",
    "control_number",
)
ALIASES = {"author": "authors", "genre": "genres", "tag": "tags", "shelfmark": "shelf_mark", "id": "control_number"}
FORMATS = {
    "ebook": Format.EBOOK,
    "e-book": Format.EBOOK,
    "text": Format.EBOOK,
    "audiobook": Format.AUDIOBOOK,
    "audio": Format.AUDIOBOOK,
    "paper": Format.PAPER,
    "book": Format.PAPER,
}
YES = {"1", "yes", "true", "y", "да", "jā", "ja", "x", "+"}
NO = {"0", "no", "false", "n", "нет", "nē", "ne", "-", ""}
MAX_FIELD = 100_000


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def _header(cells: list[str]) -> list[str]:
    names = []
    for cell in cells:
        name = cell.strip().lower().replace(" ", "_").replace("-", "_")
        names.append(ALIASES.get(name, name))
    return names


def sniff(head: bytes) -> tuple[str, list[str]] | None:
    """(delimiter, header) when the first line is a CSV header with a "title" column."""
    try:
        first = _decode(head).splitlines()[0] if head.strip() else ""
    except UnicodeDecodeError:
        return None
    if "\x00" in first:
        return None
    best = None
    for delimiter in (",", ";", "\t"):
        header = _header(next(csv.reader([first], delimiter=delimiter), []))
        known = sum(1 for h in header if h in COLUMNS)
        if "title" in header and (best is None or known > best[0]):
            best = (known, delimiter, header)
    return (best[1], best[2]) if best else None


class _RowProblem(Exception):
    pass


def _int(row: dict, column: str, *, minimum: int = 0, maximum: int = 10**9) -> int | None:
    value = n.text(row.get(column))
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise _RowProblem(
            gettext("%(column)s “%(value)s” is not a whole number") % {"column": column, "value": value[:50]}
        ) from None
    if not minimum <= number <= maximum:
        raise _RowProblem(
            gettext("%(column)s must be between %(min)d and %(max)d, not %(value)d")
            % {"column": column, "min": minimum, "max": maximum, "value": number}
        )
    return number


def _list(row: dict, column: str, limit: int) -> list[str] | None:
    if column not in row:
        return None
    seen, values = set(), []
    for part in (row.get(column) or "").split(";"):
        value = n.text(part)
        if len(value) > limit:
            raise _RowProblem(
                gettext("%(column)s: “%(value)s…” is longer than %(max)d characters")
                % {"column": column, "value": value[:30], "max": limit}
            )
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            values.append(value)
    return values


def _text(row: dict, column: str, limit: int) -> str | None:
    if column not in row:
        return None
    value = n.text(row.get(column)) if column != "description" else (row.get(column) or "").strip()
    if len(value) > limit:
        raise _RowProblem(gettext("%(column)s is longer than %(max)d characters") % {"column": column, "max": limit})
    return value


def _row(row: dict, position: Position) -> TitleData:
    title = n.text(row.get("title"))
    if not title:
        raise _RowProblem(gettext("title is empty (it is required)"))
    if len(title) > TITLE_MAX:
        raise _RowProblem(gettext("title is longer than %(max)d characters") % {"max": TITLE_MAX})

    fmt = None
    if n.text(row.get("format")):
        fmt = FORMATS.get(n.text(row["format"]).lower())
        if fmt is None:
            raise _RowProblem(
                gettext("format “%(value)s” must be ebook, audiobook or paper") % {"value": row["format"][:30]}
            )

    isbn = None
    if "isbn" in row:
        isbn = n.isbn(row.get("isbn"))
        if n.text(row.get("isbn")) and not isbn:
            raise _RowProblem(
                gettext("isbn “%(value)s” is not an ISBN of 10 or 13 digits") % {"value": row["isbn"][:30]}
            )

    age = None
    if n.text(row.get("age_rating")):
        raw = n.text(row["age_rating"]).rstrip("+")
        if not raw.isdigit() or int(raw) not in AgeRating.values:
            raise _RowProblem(
                gettext("age_rating “%(value)s” must be one of 0+, 6+, 12+, 16+, 18+")
                % {"value": row["age_rating"][:20]}
            )
        age = int(raw)

    is_free = None
    if "is_free" in row:
        flag = n.text(row.get("is_free")).lower()
        if flag not in YES | NO:
            raise _RowProblem(
                gettext("is_free “%(value)s” must be yes or no (1 or 0)") % {"value": row["is_free"][:20]}
            )
        is_free = flag in YES
    price = _int(row, "price", maximum=100_000)
    if is_free and price:
        raise _RowProblem(
            gettext("price must be 0 for a free title (is_free is yes, price is %(price)d)") % {"price": price}
        )
    if is_free and price is None:
        price = 0

    language = None
    if "language" in row:
        language = n.language(row.get("language"))

    authors = None
    if "authors" in row:
        authors = [n.person(name) for name in _list(row, "authors", NAME_MAX)]

    items = []
    barcode = n.text(row.get("barcode"))
    if barcode:
        if len(barcode) > 50:
            raise _RowProblem(gettext("barcode is longer than 50 characters"))
        items.append(
            ItemData(
                barcode=barcode,
                library=n.text(row.get("library")),
                fund=_text(row, "fund", 150) or "",
                shelf_mark=_text(row, "shelf_mark", 100) or "",
            )
        )
    elif n.text(row.get("library")) or n.text(row.get("shelf_mark")):
        raise _RowProblem(gettext("barcode is empty: an item (library, fund, shelf mark) needs its barcode"))

    control_number = _text(row, "control_number", CONTROL_NUMBER_MAX) or ""
    series = _text(row, "series", NAME_MAX)
    return TitleData(
        position=position,
        control_number=control_number,
        format=fmt,
        title=title,
        authors=authors,
        series=series,
        series_number=_int(row, "series_number", maximum=100_000) if "series_number" in row else None,
        genres=_list(row, "genres", TERM_MAX),
        tags=_list(row, "tags", TERM_MAX),
        description=_text(row, "description", MAX_FIELD),
        language=language,
        publisher=_text(row, "publisher", NAME_MAX),
        year=_int(row, "year", minimum=1, maximum=2999),
        isbn=isbn,
        age_rating=age,
        pages=_int(row, "pages", minimum=1, maximum=100_000),
        duration_seconds=_int(row, "duration_seconds", minimum=1, maximum=10**7),
        price=price,
        is_free=is_free,
        items=items,
    )


def read_csv(data: bytes) -> tuple[list[str], Iterator[TitleData | RecordError]]:
    """(ignored column names, the rows as TitleData or RecordError). Row numbers count the header as row 1,
    as a spreadsheet shows them."""
    sniffed = sniff(data[:65536])
    if sniffed is None:
        raise NotACatalogFile(
            gettext("The CSV file has no header row with a “title” column (expected columns: %(columns)s).")
            % {"columns": ", ".join(COLUMNS)}
        )
    delimiter, header = sniffed
    ignored = [h for h in header if h and h not in COLUMNS]
    duplicated = sorted({h for h in header if h in COLUMNS and header.count(h) > 1})
    if duplicated:
        raise NotACatalogFile(
            gettext("The CSV header names these columns twice: %(columns)s.") % {"columns": ", ".join(duplicated)}
        )
    try:
        textual = _decode(data)
    except UnicodeDecodeError as exc:
        raise NotACatalogFile(gettext("The CSV file is neither UTF-8 nor Windows-1251 text.")) from exc
    csv.field_size_limit(MAX_FIELD * 2)

    def rows() -> Iterator[TitleData | RecordError]:
        reader = csv.reader(io.StringIO(textual, newline=""), delimiter=delimiter)
        next(reader, None)
        number = 0
        row_number = 1
        while True:
            row_number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                position = Position(number=number + 1, row=row_number)
                yield RecordError(position, gettext("the CSV row is broken: %(reason)s") % {"reason": exc})
                return
            if not any(c.strip() for c in cells):
                continue
            number += 1
            position = Position(number=number, row=row_number)
            if len(cells) > len(header):
                extra = [c for c in cells[len(header) :] if c.strip()]
                if extra:
                    yield RecordError(
                        position,
                        gettext("the row has %(cells)d cells but the header only %(columns)d columns")
                        % {"cells": len(cells), "columns": len(header)},
                    )
                    continue
            row = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(header) if name in COLUMNS}
            try:
                yield _row(row, position)
            except _RowProblem as problem:
                yield RecordError(position, str(problem))

    return ignored, rows()
