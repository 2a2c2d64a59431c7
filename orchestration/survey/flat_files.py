"""Read the landing directory's small flat files: Taskforce snapshots and the municipality-name overrides.

Values stay verbatim text (dbt types them); only the header is forgiving: any column order, case and
surrounding spaces ignored, extra columns ignored, `,` or `;`, UTF-8 (BOM or not) or Windows-1252 — the
same sniffing as the Qualtrics reader (`decode_csv_file`). A blank or whitespace-only cell becomes None.
Each reader takes a path or a file the loader has read already (`file_reads.read_landing_file`).
A missing required column, or a row with more or fewer fields than the header, raises
`FlatFileFormatError` naming the file and the line: these files are short and a broken one should be fixed,
not half-loaded.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from orchestration.survey.file_reads import FileCopy
from orchestration.survey.qualtrics_reader import (
    CsvFileError,
    DecodedCsv,
    decode_csv_file,
    iter_csv_records,
    loaded_at_column,
    typed_frame,
)

TASKFORCE_COLUMNS = ("peildatum", "nis_code", "gemeente", "personen", "minderjarigen")
OVERRIDE_COLUMNS = ("raw_text", "nis_code")
THEME_COLUMNS = ("theme", "pattern")


class FlatFileFormatError(CsvFileError):
    """A Taskforce snapshot or override file without the required header, or with a ragged row."""


def read_taskforce_snapshot(path: str | Path | FileCopy, *, source_file: str, loaded_at: dt.datetime) -> pd.DataFrame:
    """Frame `taskforce_counts`: source_file, file_sha256, source_row, the five contract columns, loaded_at."""
    decoded, rows, values = _read_flat_file(path, TASKFORCE_COLUMNS)
    return typed_frame(
        source_file=[source_file] * len(rows),
        file_sha256=[decoded.sha256] * len(rows),
        source_row=(rows, "int64"),
        **{name: values[name] for name in TASKFORCE_COLUMNS},
        loaded_at=loaded_at_column(loaded_at, len(rows)),
    )


def read_municipality_overrides(
    path: str | Path | FileCopy, *, source_file: str, loaded_at: dt.datetime
) -> pd.DataFrame:
    """Frame `municipality_name_overrides`: source_file, source_row, raw_text, nis_code, loaded_at."""
    _, rows, values = _read_flat_file(path, OVERRIDE_COLUMNS)
    return typed_frame(
        source_file=[source_file] * len(rows),
        source_row=(rows, "int64"),
        **{name: values[name] for name in OVERRIDE_COLUMNS},
        loaded_at=loaded_at_column(loaded_at, len(rows)),
    )


def read_open_answer_themes(path: str | Path | FileCopy, *, source_file: str, loaded_at: dt.datetime) -> pd.DataFrame:
    """Frame `open_answer_themes`: source_file, source_row, theme, pattern, loaded_at. Every row needs both
    a theme and a pattern that DuckDB's regular expressions (RE2) accept; otherwise the file is refused."""
    import duckdb

    decoded, rows, values = _read_flat_file(path, THEME_COLUMNS)
    decoded_source = decoded.source
    with duckdb.connect() as connection:
        for row, theme, pattern in zip(rows, values["theme"], values["pattern"]):
            if not theme or not pattern:
                column = "theme" if not theme else "pattern"
                raise FlatFileFormatError(decoded_source, row + 1, f"column {column} is empty")
            try:
                connection.execute("select regexp_matches('', ?)", [pattern])
            except duckdb.Error as error:
                raise FlatFileFormatError(
                    decoded_source, row + 1, f"column pattern: {pattern!r} is not a valid regular expression ({error})"
                ) from None
    return typed_frame(
        source_file=[source_file] * len(rows),
        source_row=(rows, "int64"),
        **{name: values[name] for name in THEME_COLUMNS},
        loaded_at=loaded_at_column(loaded_at, len(rows)),
    )


def _read_flat_file(
    path: str | Path | FileCopy, required: tuple[str, ...]
) -> tuple[DecodedCsv, list[int], dict[str, list]]:
    """(how it is written, 1-based data row numbers, required column -> verbatim values) of one flat file."""
    decoded = decode_csv_file(path, FlatFileFormatError)
    records = iter_csv_records(decoded, FlatFileFormatError)
    header_line, header = next(records)
    names = [cell.strip().casefold() for cell in header]
    missing = [name for name in required if name not in names]
    if missing:
        raise FlatFileFormatError(
            decoded.source,
            header_line,
            f"header lacks {', '.join(missing)} (needs {','.join(required)}; found {','.join(names)})",
        )
    doubled = sorted({name for name in required if names.count(name) > 1})
    if doubled:
        raise FlatFileFormatError(decoded.source, header_line, f"header names {', '.join(doubled)} more than once")

    positions = {name: names.index(name) for name in required}
    row_numbers: list[int] = []
    values: dict[str, list] = {name: [] for name in required}
    for row_number, (line, fields) in enumerate(records, start=1):
        # Trailing empty fields (an Excel habit) are harmless; anything else ragged is a broken file.
        if len(fields) < len(names) or any(cell.strip() for cell in fields[len(names) :]):
            raise FlatFileFormatError(decoded.source, line, f"row has {len(fields)} fields, header has {len(names)}")
        row_numbers.append(row_number)
        for name, position in positions.items():
            cell = fields[position]
            values[name].append(cell if cell.strip() else None)
    return decoded, row_numbers, values
