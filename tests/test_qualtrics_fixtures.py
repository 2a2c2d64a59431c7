"""The reader on hand-written exports (tests/fixtures/qualtrics/), written the way Qualtrics and Excel
write them, not by the project's own writer: a mistake shared by writer and reader would pass the round
trips of test_qualtrics_io.py, but not these.

- combined_utf8_bom.csv: UTF-8 with BOM, CRLF, three header rows (row 3 `{"ImportId": ...}` with
  `timeZone` on the dates), PII metadata columns, a combined multi-select `1,3`, a quoted text with a
  line break and doubled quotes, a partial response with blank cells.
- split_choice_ids.csv: a split multi-select (`Q3_1`…, `choiceId` in row 3) and an other-text column.
- legacy_two_header_rows.csv: the old exporter's `V1..V10` row and a row 2 starting with `ResponseID`.
- excel_semicolon_cp1252.csv: the export after Excel on a Belgian Windows: `;`, Windows-1252, day-first
  dates without seconds, accents, an en dash and a curly apostrophe.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orchestration.survey.qualtrics_reader import export_frames, read_export

FIXTURES = Path(__file__).parent / "fixtures" / "qualtrics"


def cells(parsed) -> list[dict[str, str]]:
    """Each data row as column name → the cell exactly as it stands in the file."""
    names = parsed.column_names
    return [dict(zip(names, row.fields)) for row in parsed.rows]


def column(parsed, name: str):
    return next(c for c in parsed.columns if c.name == name)


def test_three_header_rows_with_json_import_ids():
    parsed = read_export(FIXTURES / "combined_utf8_bom.csv")
    assert (parsed.header_format, parsed.file.encoding, parsed.file.delimiter) == ("qualtrics", "utf-8-sig", ",")
    assert parsed.column_names[:3] == ["StartDate", "EndDate", "Status"]  # the BOM is not part of a name
    assert parsed.column_names[-4:] == ["Q1", "Q3", "Q6", "Q10"]
    assert (column(parsed, "StartDate").import_id, column(parsed, "StartDate").time_zone) == (
        "startDate",
        "Europe/Brussels",
    )
    assert (column(parsed, "Q1").import_id, column(parsed, "Q1").time_zone) == ("QID1_TEXT", None)
    assert column(parsed, "Q3").import_id == "QID3" and column(parsed, "Q3").choice_id is None
    assert column(parsed, "Q10").label == "Hoe evolueerde de visie, volgens u?"


def test_quoted_line_breaks_and_quotes_stay_in_their_cell():
    parsed = read_export(FIXTURES / "combined_utf8_bom.csv")
    first, second = cells(parsed)
    assert [row.source_line for row in parsed.rows] == [4, 6]  # the first record spans two lines
    assert first["Q3"] == "1,3" and first["Q1"] == "Stad Gent"
    assert first["Q10"].startswith("De visie werd ruimer:") and "\n" in first["Q10"]
    assert first["Q10"].endswith('eerst noodopvang, daarna "wonen" en werk.')
    assert (second["Progress"], second["Finished"], second["Q6"], second["Q10"]) == ("60", "0", "", "")


def test_split_columns_carry_their_choice_id():
    parsed = read_export(FIXTURES / "split_choice_ids.csv")
    assert parsed.header_format == "qualtrics"
    assert [(c.name, c.import_id, c.choice_id) for c in parsed.columns if c.name.startswith("Q3_")] == [
        ("Q3_1", "QID3", "1"),
        ("Q3_2", "QID3", "2"),
        ("Q3_3", "QID3", "3"),
        ("Q3_9_TEXT", "QID3_9_TEXT", None),
    ]
    first, second = cells(parsed)
    assert (first["Q3_1"], first["Q3_2"], first["Q3_3"], first["Q3_9_TEXT"]) == ("1", "", "1", "Jeugddienst")
    assert (second["Q3_1"], second["Q3_2"], second["Q3_3"]) == ("", "1", "")


def test_legacy_two_header_rows_get_todays_names():
    parsed = read_export(FIXTURES / "legacy_two_header_rows.csv")
    assert parsed.header_format == "legacy"
    assert parsed.column_names == [
        "ResponseId",
        "ResponseSet",
        "Name",
        "ExternalReference",
        "RecipientEmail",
        "IPAddress",
        "Status",
        "StartDate",
        "EndDate",
        "Finished",
        "Q1",
        "Q3",
        "Q6",
    ]
    assert all(c.import_id is None and c.time_zone is None for c in parsed.columns)
    first, second = cells(parsed)
    assert (first["ResponseId"], first["Name"], first["Q3"]) == ("R_1a2B3c4D5e6F7g8", "Peeters, An", "1,3")
    assert [row.source_line for row in parsed.rows] == [3, 4] and second["Q1"] == "Leuven"


def test_excel_semicolon_windows_1252():
    parsed = read_export(FIXTURES / "excel_semicolon_cp1252.csv")
    assert (parsed.header_format, parsed.file.encoding, parsed.file.delimiter) == ("qualtrics", "cp1252", ";")
    assert column(parsed, "EndDate").time_zone == "Europe/Brussels"
    first, second = cells(parsed)
    assert first["Q1"] == "Hélécine" and first["Q3"] == "1,3"
    assert first["Q10"] == "Coördinatie via het OCMW – ook ’s avonds"
    assert (first["StartDate"], second["Q1"], second["Q10"]) == ("20/03/2023 9:05", "Sint-Genesius-Rode", "")


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.csv")))
def test_raw_tables_keep_every_non_blank_cell_verbatim(name):
    parsed = read_export(FIXTURES / name)
    frames = export_frames(parsed, wave_id="w", source_file=name, loaded_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    expected = sorted(
        (row.source_row, position, value)
        for row in parsed.rows
        for position, value in enumerate(row.fields, start=1)
        if value.strip()
    )
    loaded = frames["export_cells"]
    assert sorted(zip(loaded["source_row"], loaded["column_position"], loaded["cell_value"])) == expected
    assert frames["export_rows"]["row_issue"].isna().all()
    assert list(frames["export_columns"]["column_name"]) == parsed.column_names
