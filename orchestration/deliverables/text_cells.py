"""Text in the files people open in a spreadsheet is text, never a formula (issue 18, item 4).

Labels, open answers, names and file names come from a landing: a codebook label `=HYPERLINK(...)` written
as it is becomes a live formula in Excel, in LibreOffice and in the CSV they open. Following OWASP's advice
on CSV injection, every text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
leading apostrophe (`'=HYPERLINK(...)`, `'-5 %`): a spreadsheet shows the apostrophe-quoted text and runs
nothing. Numbers stay numbers: only `str` values are changed, so a numeric column (a negative change in
percentage points included) is written as numbers. Every writer of CSV, Excel and SPSS files in
`exports.py` goes through `as_text` (for a table: `text_frame`); the Excel writer also stores every string
cell as a string (`write_strings_as_text`), so no text becomes a formula whatever it starts with.
Parquet files are typed data for programs, not spreadsheets, and are written as the warehouse holds them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

# OWASP, "CSV Injection": the characters a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: Any) -> Any:
    """`value` as a spreadsheet must show it: a text starting with one of `FORMULA_STARTS` gets a leading
    apostrophe; anything else (other texts, numbers, missing values) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def is_text_column(series: pd.Series) -> bool:
    """A column that may hold text: not numeric, boolean or a date (those are written as they are)."""
    return not (
        pd.api.types.is_numeric_dtype(series)
        or pd.api.types.is_bool_dtype(series)
        or pd.api.types.is_datetime64_any_dtype(series)
        or isinstance(series.dtype, pd.PeriodDtype)
    )


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the table with every text cell through `as_text`; numeric columns untouched."""
    safe = frame.copy()
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        if is_text_column(series) and series.map(lambda value: as_text(value) is not value).any():
            safe.isetitem(position, series.astype(object).map(as_text))  # the column replaced, its type too
    return safe


def write_strings_as_text(workbook) -> None:
    """Every string cell of an openpyxl workbook stored as a string: openpyxl reads a value starting with
    `=` as a formula (data type `f`), which `as_text` already prevents; this makes sure of it."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.value = as_text(str(cell.value))
                    cell.data_type = "s"
