"""Round trips through every export variant, and the reader's and flat-file readers' edge cases.

Responses are written with `qualtrics_writer` in every combination of dialect x multi layout x values x
BOM, read back with `qualtrics_reader`, and decoded again by a small helper below that knows the contract's
cell rules (it is deliberately independent of the writer). Every variant must decode to the same answers.
"""

from __future__ import annotations

import codecs
import datetime as dt
import itertools
from pathlib import Path

import pandas as pd
import pytest

from orchestration.settings import SURVEY_SEEDS_DIR
from orchestration.survey.codebook import Codebook, Question, load_codebook
from orchestration.survey.flat_files import (
    FlatFileFormatError,
    read_municipality_overrides,
    read_taskforce_snapshot,
)
from orchestration.survey.qualtrics_reader import (
    ExportFormatError,
    export_frames,
    file_sha256,
    read_export,
)
from synthetic.qualtrics_writer import build_export, write_export
from synthetic.responses import METADATA_COLUMNS, SEEN_UNANSWERED, SurveyResponse

LOADED_AT = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
DIALECTS = ("qualtrics", "excel", "tab", "legacy")
LAYOUTS = ("combined", "split")
VALUES = ("numeric", "choice_text")
VARIANTS = list(itertools.product(DIALECTS, LAYOUTS, VALUES, (True, False)))


@pytest.fixture(scope="module")
def codebook() -> Codebook:
    return load_codebook(SURVEY_SEEDS_DIR / "w1_2023_codebook.yaml")


def sample_responses() -> list[SurveyResponse]:
    """Every question type, seen-but-unanswered, awkward text; all text fits Windows-1252 (Excel variant)."""
    return [
        SurveyResponse(
            "R_full",
            metadata={
                "StartDate": "2023-03-20 09:05:07",
                "EndDate": "2023-03-20 09:35:59",
                "Status": "0",
                "Progress": "100",
                "Finished": "1",
                "RecipientLastName": "Peeters",
                "RecipientFirstName": "An",
                "RecipientEmail": "an@gent.be",
                "ExternalReference": "ext-1",
            },
            answers={
                "Q1": 'Stad Gent, "centrum"\nafdeling Welzijn',
                "Q2": 6,
                "Q3": frozenset({1, 5}),
                "Q6": SEEN_UNANSWERED,
                "Q7": frozenset({4, 8}),
                "Q8": frozenset({2, 3, 11}),
                "Q9": 1,
                "Q10": "Eerst crisis;\r\ndan structureel\tbeleid",
                "Q11": 1,
                "Q12": frozenset({3}),
                "Q13": frozenset({1, 4}),
                "Q14": 120,
                "Q28": frozenset({3, 4}),
                "Q29": 4,
                "Q31": {1: frozenset({1, 2}), 2: frozenset({7}), 3: SEEN_UNANSWERED},
                "Q30": "  spaties blijven  ",
            },
            other_texts={
                ("Q2", 6): 'Coördinator, "welzijn"',
                ("Q3", 5): "Politie, brandweer",
                ("Q7", 8): "Vervoer\nnaar school",
            },
            extra_columns={"Score": "0.87"},
        ),
        SurveyResponse(
            "R_skips",
            metadata={"StartDate": "2023-03-21 14:00:00", "Status": "0", "Progress": "60", "Finished": "0"},
            answers={
                "Q1": "Gemeente Zwevegem",
                "Q2": 1,
                "Q3": SEEN_UNANSWERED,
                "Q7": frozenset({1, 2, 3, 4, 5, 6, 7}),
                "Q14": SEEN_UNANSWERED,
                "Q31": SEEN_UNANSWERED,
                "Q38": 5,
                "Q40": SEEN_UNANSWERED,
            },
            extra_columns={"Q1_DO": "1|2", "Score": "0.1"},
        ),
        SurveyResponse("R_min", metadata={"Status": "1"}, answers={"Q1": "Neerpelt"}),
    ]


# --- a decoder independent of the writer ----------------------------------------------------------------


def split_labels(cell: str, labels: dict[str, int]) -> frozenset[int] | None:
    """Split comma-joined, unescaped choice labels against the codebook (labels may contain commas)."""
    if cell == "":
        return frozenset()
    for label, code in labels.items():
        if cell == label:
            return frozenset({code})
        if cell.startswith(label + ","):
            rest = split_labels(cell[len(label) + 1 :], labels)
            if rest is not None:
                return rest | {code}
    return None


def decode_codes(cell: str, question: Question) -> frozenset[int]:
    parts = cell.split(",")
    if all(part.isdigit() for part in parts):
        return frozenset(int(part) for part in parts)
    codes = split_labels(cell, {choice.label: choice.code for choice in question.choices})
    assert codes is not None, f"{question.id}: cannot split {cell!r} into choice labels"
    return codes


def decode_response(codebook: Codebook, cells: dict[str, str]) -> dict:
    """Answers, other texts and extra columns of one response from its non-blank cells."""
    answers: dict = {}
    other_texts: dict = {}
    known = set()

    def take(name: str) -> str | None:
        known.add(name)
        return cells.get(name)

    def whole(cell: str | None, decode):
        if cell is None:
            return None
        return SEEN_UNANSWERED if cell == "-99" else decode(cell)

    def split(question: Question, prefix: str):
        codes = [choice.code for choice in question.choices]
        values = [take(f"{prefix}_{code}") for code in codes]
        present = [value for value in values if value is not None]
        if not present:
            return None
        if all(value == "0" for value in present):
            return SEEN_UNANSWERED
        return frozenset(code for code, value in zip(codes, values) if value not in (None, "0"))

    for question in codebook.questions:
        qid = question.id
        if question.type in ("single", "likert5"):
            labels = {choice.label: choice.code for choice in question.choices}
            value = whole(take(qid), lambda cell, labels=labels: int(cell) if cell.isdigit() else labels[cell])
        elif question.type == "multi":
            if qid in cells:
                value = whole(take(qid), lambda cell, question=question: decode_codes(cell, question))
            else:
                value = split(question, qid)
        elif question.type == "matrix_multi":
            rows = {}
            for row in question.rows:
                name = f"{qid}_{row.code}"
                if name in cells:
                    row_value = whole(take(name), lambda cell, question=question: decode_codes(cell, question))
                else:
                    row_value = split(question, name)
                if row_value is not None:
                    rows[row.code] = row_value
            value = rows or None
        elif question.type == "number":
            value = whole(take(qid), int)
        else:
            value = whole(take(qid), str)
        if value is not None:
            answers[qid] = value
        if question.other_text is not None:
            text = take(f"{qid}_{question.other_text}_TEXT")
            if text is not None:
                other_texts[(qid, question.other_text)] = text
    return {"answers": normalise(answers), "other_texts": other_texts, "unknown": set(cells) - known}


def normalise(answers: dict) -> dict:
    """One spelling per meaning: a matrix whose every shown row was skipped is a skipped matrix, and a line
    break in a text is `\\n` however the file wrote it (the reader's rule)."""
    result = {}
    for qid, value in answers.items():
        if isinstance(value, dict) and value and all(row is SEEN_UNANSWERED for row in value.values()):
            value = SEEN_UNANSWERED
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
        result[qid] = value
    return result


def cells_by_response(frames: dict[str, pd.DataFrame]) -> dict[str, dict[str, str]]:
    by_row: dict[int, dict[str, str]] = {}
    for row in frames["export_cells"].itertuples():
        by_row.setdefault(row.source_row, {})[row.column_name] = row.cell_value
    return {cells["ResponseId"]: cells for cells in by_row.values()}


def write_and_read(codebook, responses, tmp_path, dialect, layout, values, bom, name="export.csv"):
    table = build_export(codebook, responses, multi_layout=layout, values=values)
    path = write_export(table, tmp_path / name, dialect=dialect, bom=bom)
    parsed = read_export(path)
    return parsed, export_frames(parsed, wave_id="w1_2023", source_file=f"waves/w1_2023/{name}", loaded_at=LOADED_AT)


# --- round trips ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect,layout,values,bom", VARIANTS)
def test_every_variant_decodes_to_the_same_answers(codebook, tmp_path, dialect, layout, values, bom):
    responses = sample_responses()
    parsed, frames = write_and_read(codebook, responses, tmp_path, dialect, layout, values, bom)
    decoded = cells_by_response(frames)

    assert sorted(decoded) == sorted(response.response_id for response in responses)
    for response in responses:
        cells = decoded[response.response_id]
        result = decode_response(codebook, cells)
        assert result["answers"] == normalise(response.answers), response.response_id
        assert result["other_texts"] == response.other_texts
        assert result["unknown"] <= {*METADATA_COLUMNS, "Name", "ResponseSet", *response.extra_columns}
        for name, value in response.extra_columns.items():
            assert cells[name] == value
        assert cells.get("Status") == response.metadata.get("Status")

    expected_header = "legacy" if dialect == "legacy" else "qualtrics"
    files = frames["export_files"].iloc[0]
    assert files["header_format"] == expected_header
    assert files["delimiter"] == {"excel": ";", "tab": "\t"}.get(dialect, ",")
    assert files["encoding"] == ("cp1252" if dialect == "excel" else "utf-8-sig" if bom else "utf-8")
    assert files["n_rows"] == len(responses)
    assert files["n_columns"] == len(parsed.columns)
    assert files["file_sha256"] == file_sha256(tmp_path / "export.csv")
    assert frames["export_rows"]["row_issue"].isna().all()


def test_frames_have_the_documented_columns_and_types(codebook, tmp_path):
    _, frames = write_and_read(codebook, sample_responses(), tmp_path, "qualtrics", "split", "numeric", True)
    assert {name: list(frame.columns) for name, frame in frames.items()} == {
        "export_files": [
            "wave_id",
            "source_file",
            "file_sha256",
            "header_format",
            "delimiter",
            "encoding",
            "n_columns",
            "n_rows",
            "loaded_at",
        ],
        "export_columns": [
            "wave_id",
            "source_file",
            "column_position",
            "column_name",
            "column_label",
            "import_id",
            "time_zone",
            "choice_id",
        ],
        "export_rows": [
            "wave_id",
            "source_file",
            "file_sha256",
            "source_row",
            "source_line",
            "n_fields",
            "row_issue",
            "loaded_at",
        ],
        "export_cells": ["wave_id", "source_file", "source_row", "column_position", "column_name", "cell_value"],
    }
    assert str(frames["export_files"]["loaded_at"].dtype) == "datetime64[us, UTC]"
    for frame, column in [("export_files", "n_rows"), ("export_rows", "source_line"), ("export_cells", "source_row")]:
        assert frames[frame][column].dtype == "int64"


def test_import_ids_time_zones_and_choice_ids(codebook, tmp_path):
    table = build_export(codebook, sample_responses(), multi_layout="split", time_zone="UTC")
    parsed = read_export(write_export(table, tmp_path / "export.csv"))
    by_name = {column.name: column for column in parsed.columns}
    assert (by_name["StartDate"].import_id, by_name["StartDate"].time_zone) == ("startDate", "UTC")
    assert (by_name["Status"].import_id, by_name["Status"].time_zone) == ("status", None)
    assert (by_name["Q3_2"].import_id, by_name["Q3_2"].choice_id) == ("QID3", "2")
    assert (by_name["Q3_5_TEXT"].import_id, by_name["Q3_5_TEXT"].choice_id) == ("QID3_5_TEXT", None)
    assert (by_name["Q31_2_7"].import_id, by_name["Q31_2_7"].choice_id) == ("QID31_2", "7")
    assert by_name["Q7_4"].label == (
        "Met welke noden van Oekraïense vluchtelingen werd uw lokaal bestuur geconfronteerd? - "
        "Materiële hulp (kleding, voeding, ...)"
    )
    assert by_name["Score"].import_id == "Score"


def test_column_order(codebook):
    table = build_export(codebook, sample_responses(), multi_layout="split")
    names = [name for name, _, _ in table.columns]
    assert names[:2] == ["StartDate", "EndDate"] and names[-2:] == ["Q1_DO", "Score"]
    assert names[names.index("Q2") : names.index("Q2") + 2] == ["Q2", "Q2_6_TEXT"]
    q3 = names.index("Q3_1")
    assert names[q3 : q3 + 6] == ["Q3_1", "Q3_2", "Q3_3", "Q3_4", "Q3_5", "Q3_5_TEXT"]
    combined = [name for name, _, _ in build_export(codebook, sample_responses()).columns]
    assert combined[combined.index("Q31_1") : combined.index("Q31_1") + 3] == ["Q31_1", "Q31_2", "Q31_3"]


def test_choice_text_labels_are_comma_joined_unescaped(codebook, tmp_path):
    _, frames = write_and_read(codebook, sample_responses(), tmp_path, "qualtrics", "combined", "choice_text", True)
    cells = cells_by_response(frames)
    assert cells["R_full"]["Q7"] == "Materiële hulp (kleding, voeding, ...),Andere"
    assert cells["R_full"]["Q28"] == "Andere gemeenten,Andere"
    assert cells["R_full"]["Q2"] == "Andere, namelijk"
    assert cells["R_full"]["Q31_1"] == "Ja, op financieel vlak,Ja, op informatief vlak"
    assert cells["R_skips"]["Q3"] == "-99"


def test_seen_unanswered_cells(codebook, tmp_path):
    _, frames = write_and_read(codebook, sample_responses(), tmp_path, "qualtrics", "split", "numeric", True)
    skips = cells_by_response(frames)["R_skips"]
    assert [skips[f"Q3_{code}"] for code in range(1, 6)] == ["0"] * 5
    assert "Q3_5_TEXT" not in skips
    assert {skips[f"Q31_{row}_{column}"] for row in (1, 2, 3) for column in range(1, 9)} == {"0"}
    assert (skips["Q14"], skips["Q40"]) == ("-99", "-99")


def test_quoted_line_breaks_keep_rows_and_lines_apart(codebook, tmp_path):
    _, frames = write_and_read(codebook, sample_responses(), tmp_path, "qualtrics", "combined", "numeric", True)
    rows = frames["export_rows"].set_index("source_row")
    # Header rows are lines 1-3 (no label holds a line break); R_full spans 4 lines (3 quoted breaks).
    assert rows.loc[1, "source_line"] == 4
    assert rows.loc[2, "source_line"] == 8
    assert rows.loc[3, "source_line"] == 9
    full = cells_by_response(frames)["R_full"]
    assert full["Q1"] == 'Stad Gent, "centrum"\nafdeling Welzijn'
    assert full["Q10"] == "Eerst crisis;\ndan structureel\tbeleid"  # typed with \r\n, read as \n
    assert full["Q30"] == "  spaties blijven  "


def test_excel_variant_is_cp1252_semicolon_with_day_first_dates(codebook, tmp_path):
    response = SurveyResponse(
        "R_cyr",
        metadata={"StartDate": "2023-03-20 09:05:07", "Status": "0"},
        answers={"Q1": "Zoutleeuw", "Q40": "Дякую, Geëvalueerd"},
    )
    table = build_export(codebook, sample_responses() + [response])
    path = write_export(table, tmp_path / "excel.csv", dialect="excel", bom=True)
    raw = path.read_bytes()
    assert not raw.startswith(codecs.BOM_UTF8)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("cp1252").startswith("StartDate;EndDate;Status;")

    parsed = read_export(path)
    assert (parsed.file.encoding, parsed.file.delimiter) == ("cp1252", ";")
    cells = cells_by_response(export_frames(parsed, wave_id="w", source_file="excel.csv", loaded_at=LOADED_AT))
    assert cells["R_full"]["StartDate"] == "20/03/2023 09:05"
    assert cells["R_full"]["Q1"] == 'Stad Gent, "centrum"\nafdeling Welzijn'
    assert cells["R_cyr"]["Q40"] == "?????, Geëvalueerd"  # what Excel does with characters cp1252 lacks


def test_legacy_header_is_mapped_to_todays_names(codebook, tmp_path):
    parsed, frames = write_and_read(codebook, sample_responses(), tmp_path, "legacy", "combined", "numeric", False)
    lines = (tmp_path / "export.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("V1,V2,V3,V4,V5,V6,V7,V8,V9,V10,Progress,Duration (in seconds),RecordedDate,")
    assert lines[1].startswith("ResponseID,ResponseSet,Name,ExternalDataReference,EmailAddress,IPAddress,Status,")
    assert parsed.column_names[:10] == [
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
    ]
    columns = frames["export_columns"]
    assert columns["import_id"].isna().all() and columns["time_zone"].isna().all()
    full = cells_by_response(frames)["R_full"]
    assert (full["Name"], full["RecipientEmail"], full["ExternalReference"]) == ("Peeters, An", "an@gent.be", "ext-1")
    assert full["Progress"] == "100"
    assert frames["export_rows"]["source_line"].tolist()[0] == 3  # two header rows


def test_extra_columns_are_kept(codebook, tmp_path):
    _, frames = write_and_read(codebook, sample_responses(), tmp_path, "tab", "split", "numeric", True)
    names = frames["export_columns"]["column_name"].tolist()
    assert names[-2:] == ["Q1_DO", "Score"]
    assert cells_by_response(frames)["R_skips"]["Q1_DO"] == "1|2"


# --- ragged rows and malformed files --------------------------------------------------------------------


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


QUALTRICS_HEADER = (
    "StartDate,ResponseId,Q1\r\n"
    "Start Date,Response ID,Gemeente?\r\n"
    '"{""ImportId"":""startDate"",""timeZone"":""Z""}","{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}"\r\n'
)


def test_ragged_rows_are_reported_not_dropped(tmp_path):
    path = write_text(
        tmp_path / "ragged.csv",
        QUALTRICS_HEADER
        + (
            "2023-03-20 10:00:00,R_1,Gent\r\n"
            "2023-03-20 10:00:00,R_2,Gent,extra 1,,extra 3\r\n"
            "2023-03-20 10:00:00,R_3\r\n"
            ",,   \r\n"
        ),
    )
    frames = export_frames(read_export(path), wave_id="w", source_file="ragged.csv", loaded_at=LOADED_AT)
    rows = frames["export_rows"].set_index("source_row")
    assert rows["row_issue"].isna().tolist() == [True, False, False, True]
    assert rows.loc[2, "row_issue"] == "row has 6 fields, header has 3"
    assert rows.loc[3, "row_issue"] == "row has 2 fields, header has 3"
    cells = frames["export_cells"]
    extra = cells[cells["source_row"] == 2][["column_position", "column_name", "cell_value"]]
    assert extra.values.tolist()[-2:] == [[4, "_extra_1", "extra 1"], [6, "_extra_3", "extra 3"]]
    assert (cells["source_row"] == 4).sum() == 0  # all-blank row: a row, but no cells
    assert frames["export_files"]["n_rows"].item() == 4


def test_trailing_carriage_returns_and_blank_lines(tmp_path):
    path = write_text(tmp_path / "crcr.csv", QUALTRICS_HEADER.replace("\r\n", "\r\r\n") + "x,R_1,Gent\r\r\n\r\n")
    parsed = read_export(path)
    assert [row.fields for row in parsed.rows] == [["x", "R_1", "Gent"]]
    assert parsed.columns[2].name == "Q1" and parsed.columns[0].time_zone == "Z"


@pytest.mark.parametrize(
    "content,message",
    [
        ("", "file is empty"),
        ("just one line of text\n", "line 1: no ',' ';' or tab separator"),
        (
            "peildatum,nis_code,gemeente,personen,minderjarigen\n2023-04-15,44021,Gent,1200,400\n"
            "2023-04-15,11002,Antwerpen,2400,800\n",
            "line 3: not a Qualtrics export",
        ),
        (QUALTRICS_HEADER.replace("StartDate,ResponseId,Q1", "StartDate,Q1,Q1"), "'Q1' is used 2 times"),
        (QUALTRICS_HEADER.replace('"{""ImportId"":""QID1""}"', "{oops"), "column 3 (Q1): '{oops' is not a JSON"),
        ("a,b\n", "fewer than 2 records"),
        (QUALTRICS_HEADER + 'x,R_1,Gent\r\ny,R_2,"Brugge\r\nz,R_3,Ieper\r\n', "line 5: cannot parse the record"),
    ],
)
def test_non_exports_raise_a_clear_error(tmp_path, content, message):
    path = write_text(tmp_path / "not_an_export.csv", content)
    with pytest.raises(ExportFormatError) as error:
        read_export(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_utf16_tab_download_is_read(codebook, tmp_path):
    """Qualtrics' own TSV download is UTF-16 with a BOM."""
    utf8 = write_export(build_export(codebook, sample_responses()), tmp_path / "utf8.tsv", dialect="tab", bom=False)
    path = tmp_path / "utf16.tsv"
    path.write_bytes(utf8.read_text(encoding="utf-8").encode("utf-16"))
    parsed = read_export(path)
    assert (parsed.file.encoding, parsed.file.delimiter, parsed.header_format) == ("utf-16", "\t", "qualtrics")
    cells = cells_by_response(export_frames(parsed, wave_id="w", source_file="utf16.tsv", loaded_at=LOADED_AT))
    assert cells["R_full"]["Q1"] == 'Stad Gent, "centrum"\nafdeling Welzijn'


def test_binary_file_is_not_an_export(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"a,b\n\x81\x8d\x00\n")
    with pytest.raises(
        ExportFormatError, match=r"image\.csv: line 2, column 1: byte 0x81 \(byte offset 4\) is neither UTF-8 nor"
    ):
        read_export(path)


# --- encodings, decided per file; line breaks in cells ---------------------------------------------------


def place(text: str, index: int) -> tuple[int, int]:
    """(line, column) of character `index` of a text whose lines end in `\\r\\n` or `\\n`."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


@pytest.mark.parametrize("bom", [False, True])
def test_a_stray_byte_in_a_utf8_export_is_refused_naming_line_column_and_offset(tmp_path, bom):
    """One byte that is not UTF-8 (an edit saved in Windows-1252) must not turn the file's other text into
    mojibake ("CoÃ¶rdinator"): the file is UTF-8 and is refused, the byte named exactly (a BOM counts in
    the offset, not in the column)."""
    text = QUALTRICS_HEADER + "x,R_1,Oekraïense opvang\r\nx,R_2,Coördinator\r\nx,R_3,Geëvalueerd\r\n"
    raw = (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8").replace("ö".encode(), b"\xf6")
    path = tmp_path / "stray.csv"
    path.write_bytes(raw)
    offset = raw.index(b"\xf6")
    with pytest.raises(ExportFormatError) as error:
        read_export(path)
    assert (error.value.line, error.value.column) == place(text, text.index("ö"))
    assert f"stray.csv: line 5, column 9: byte 0xf6 (byte offset {offset}) is not UTF-8" in str(error.value)
    assert "correct that character" in str(error.value)


def test_every_stray_byte_is_counted_and_the_first_ones_named(tmp_path):
    text = "\ufeff" + QUALTRICS_HEADER.replace("ResponseId", "Respönse", 1) + "x,R_1,Oekraïense\r\nx,R_2,Zoë\r\n"
    raw = text.encode("utf-8").replace("ö".encode(), b"\xf6").replace("ë".encode(), b"\xeb")
    path = tmp_path / "stray.csv"
    path.write_bytes(raw)
    with pytest.raises(ExportFormatError) as error:
        read_export(path)
    body = text[1:]  # the BOM is no column
    assert (error.value.line, error.value.column) == place(body, body.index("ö")) == (1, 15)
    assert "2 such bytes in all" in str(error.value)
    line, column = place(body, body.index("ë"))
    offset = raw.index(b"\xeb")
    assert f"the next: line {line}, column {column} (byte offset {offset}): 0xeb" in str(error.value)


def test_windows_1252_is_read_when_its_bytes_outnumber_utf8_characters(tmp_path):
    """Excel's Windows-1252 has no UTF-8 evidence: a pair of its bytes that happens to be valid UTF-8
    (`Ã©`) does not outweigh the accents that are not; a single high byte in ASCII text is Windows-1252 too."""
    text = QUALTRICS_HEADER + "x,R_1,Zoërsel én Hélécine\r\nx,R_2,Ã© blijft Ã©\r\n"
    parsed = read_export(write_text(tmp_path / "excel.csv", text, encoding="cp1252"))
    assert parsed.file.encoding == "cp1252"
    assert [row.fields[2] for row in parsed.rows] == ["Zoërsel én Hélécine", "Ã© blijft Ã©"]
    one_byte = read_export(write_text(tmp_path / "ascii.csv", QUALTRICS_HEADER + "x,R_1,Zoërsel\r\n", "cp1252"))
    assert (one_byte.file.encoding, list(one_byte.rows)[0].fields[2]) == ("cp1252", "Zoërsel")


def test_a_stray_byte_in_a_utf8_taskforce_file_is_refused_too(tmp_path):
    text = (
        "peildatum,nis_code,gemeente,personen,minderjarigen\n2023-04-15,23101,Sint-Genesius-Rode,40,12\n"
        "2023-04-15,25072,Hélécine,5,1\n2023-04-15,13040,Zoërsel,9,2\n"
    )
    path = tmp_path / "tf.csv"
    path.write_bytes(text.encode("utf-8").replace("ë".encode(), b"\xeb"))
    with pytest.raises(FlatFileFormatError, match=r"tf\.csv: line 4, column 20: byte 0xeb \(byte offset \d+\) is not"):
        read_taskforce_snapshot(path, source_file="taskforce/tf.csv", loaded_at=LOADED_AT)


def test_line_breaks_in_cells_read_the_same_whatever_the_line_endings(tmp_path):
    """A file saved on two systems mixes `\\r\\n` and `\\n` (and old Macs wrote `\\r`): the same text must give
    the same cell, or an identical repeat compares as different content and both rows are quarantined."""
    record = 'x,R_1,"Eerst crisis{0}dan structureel"'
    text = QUALTRICS_HEADER + "".join(
        record.format(inner) + end for inner, end in [("\r\n", "\r\n"), ("\n", "\n"), ("\r", "\r\n"), ("\r\r\n", "\n")]
    )
    parsed = read_export(write_text(tmp_path / "mixed.csv", text))
    rows = list(parsed.rows)
    assert [row.fields for row in rows] == [["x", "R_1", "Eerst crisis\ndan structureel"]] * 4
    assert [row.source_line for row in rows] == [4, 6, 8, 10]  # lines counted as before: `\\r` ends one


# --- Taskforce snapshots and overrides ------------------------------------------------------------------


def test_taskforce_snapshot_any_order_case_separator_and_encoding(tmp_path):
    path = write_text(
        tmp_path / "taskforce.csv",
        " Gemeente ;PEILDATUM;nis_code;Minderjarigen;personen;opmerking\r\n"
        "Sint-Genesius-Rode;2023-04-15;23101;12;40;één\r\n"
        "Gent;15/04/2023;44021;;1.200;\r\n",
        encoding="cp1252",
    )
    frame = read_taskforce_snapshot(path, source_file="taskforce/taskforce.csv", loaded_at=LOADED_AT)
    assert list(frame.columns) == [
        "source_file",
        "file_sha256",
        "source_row",
        "peildatum",
        "nis_code",
        "gemeente",
        "personen",
        "minderjarigen",
        "loaded_at",
    ]
    assert frame[["peildatum", "nis_code", "gemeente", "personen"]].values.tolist() == [
        ["2023-04-15", "23101", "Sint-Genesius-Rode", "40"],
        ["15/04/2023", "44021", "Gent", "1.200"],
    ]
    assert frame["minderjarigen"].tolist()[0] == "12" and pd.isna(frame["minderjarigen"].tolist()[1])
    assert frame["source_row"].tolist() == [1, 2]
    assert frame["file_sha256"].unique().tolist() == [file_sha256(path)]


def test_taskforce_with_bom(tmp_path):
    path = write_text(
        tmp_path / "tf.csv",
        "peildatum,nis_code,gemeente,personen,minderjarigen\n2023-04-15,71066,Pelt,80,25\n",
        encoding="utf-8-sig",
    )
    frame = read_taskforce_snapshot(path, source_file="taskforce/tf.csv", loaded_at=LOADED_AT)
    assert frame["gemeente"].tolist() == ["Pelt"]


def test_taskforce_missing_columns_name_file_and_columns(tmp_path):
    path = write_text(tmp_path / "tf.csv", "datum,nis_code,gemeente,personen\n2023-04-15,71066,Pelt,80\n")
    with pytest.raises(FlatFileFormatError) as error:
        read_taskforce_snapshot(path, source_file="taskforce/tf.csv", loaded_at=LOADED_AT)
    assert str(path) in str(error.value)
    assert "lacks peildatum, minderjarigen" in str(error.value)


def test_taskforce_ragged_row_names_the_line(tmp_path):
    path = write_text(
        tmp_path / "tf.csv",
        "peildatum,nis_code,gemeente,personen,minderjarigen\n2023-04-15,71066,Pelt,80,25,,\n2023-04-15,71066,Pelt\n",
    )
    with pytest.raises(FlatFileFormatError, match=r"tf\.csv: line 3: row has 3 fields, header has 5"):
        read_taskforce_snapshot(path, source_file="taskforce/tf.csv", loaded_at=LOADED_AT)


def test_municipality_overrides(tmp_path):
    path = write_text(
        tmp_path / "municipality_names.csv",
        'raw_text;nis_code\r\n"Gem. Puurs, Sint-Amands";12041\r\n  ;\r\n',
        encoding="utf-8-sig",
    )
    frame = read_municipality_overrides(path, source_file="overrides/municipality_names.csv", loaded_at=LOADED_AT)
    assert list(frame.columns) == ["source_file", "source_row", "raw_text", "nis_code", "loaded_at"]
    assert frame["raw_text"].tolist()[0] == "Gem. Puurs, Sint-Amands"
    assert frame["nis_code"].tolist()[0] == "12041"
    assert frame["raw_text"].isna().tolist() == [False, True]
