"""Files librarians open: CSV (UTF-8 with BOM, so Excel shows Cyrillic and Latvian right) and xlsx.

Every text cell that a spreadsheet could run as a formula (= + - @, tab, CR at the start) is neutralised
with a leading apostrophe (SPEC R5, OWASP CSV injection).
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def neutralize(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, (int, float, date)):
        return value
    return neutralize(str(value))


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence], *, title: str = "Sheet1") -> bytes:
    """Write-only workbook: memory stays flat however many rows there are."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=_cell_value(name))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([_cell_value(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_lines(header: Sequence[str], rows: Iterable[Sequence]):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow([_cell_value(v) for v in header])
    for row in rows:
        writer.writerow([_cell_value(v) for v in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(header, rows), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence], *, title: str = "Sheet1"):
    response = HttpResponse(xlsx_bytes(header, rows, title=title), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
