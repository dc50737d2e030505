"""CSV and xlsx cells a spreadsheet must show as text, never run (SPEC R5, issue #12)."""

import csv
import io
from datetime import date

from openpyxl import load_workbook

from abonement.core.spreadsheets import write_csv, xlsx_bytes

HOSTILE = ["Petrov;=2*21;", "+37120000001", "=1+1", "a,b", 'say "hi"', "plain"]


def test_csv_quotes_every_text_cell_and_defuses_a_leading_formula_sign():
    target = io.BytesIO()
    write_csv(target, ["Name", "Count", "Day"], [[text, 7, date(2026, 3, 5)] for text in HOSTILE] + [[None, 0, None]])
    text = target.getvalue().decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text[1:].split("\r\n")
    assert lines[:3] == ['"Name","Count","Day"', '"Petrov;=2*21;",7,"2026-03-05"', '"\'+37120000001",7,"2026-03-05"']
    assert lines[4:8] == ['"a,b",7,"2026-03-05"', '"say ""hi""",7,"2026-03-05"', '"plain",7,"2026-03-05"', '"",0,""']
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert [row[0] for row in rows[1:-1]] == ["Petrov;=2*21;", "'+37120000001", "'=1+1", "a,b", 'say "hi"', "plain"]


def test_xlsx_keeps_texts_as_typed_and_marks_formula_lookalikes_with_quote_prefix():
    content = xlsx_bytes(["Name", "Count"], [[text, 7] for text in HOSTILE])
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == HOSTILE
    assert {c.data_type for c in cells} == {"s"}  # text, never a formula ("f")
    assert [c.quotePrefix for c in cells] == [False, True, True, False, False, False]
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == [7] * len(HOSTILE)
