"""Write `SurveyResponse` objects as a Qualtrics response export, in every variant the contract accepts (§1).

Used by the synthetic sample and by the tests, which read each variant back with `qualtrics_reader` and
check that the answers survive. Two steps, so a caller can look at (or deliberately damage) the table:

- `build_export` lays the responses out as Qualtrics does: the columns, their labels and row-3 import
  ids, one row of cell texts per response; `multi_layout` and `values` are Qualtrics' export options
  "split multi-value fields into columns" and "use choice text";
- `write_export` writes that table in a file dialect: `qualtrics` (comma, UTF-8), `excel` (re-saved by
  Excel on a Belgian PC: `;`, Windows-1252, day-first dates without seconds), `tab` (tab, UTF-8) or
  `legacy` (the old exporter's two header rows with `V1..V10`).

Cells follow the contract: a question absent from `answers` is an empty cell; `SEEN_UNANSWERED` is
`-99`, or `0` in every split column. Split columns hold `1` for a selected choice and stay empty
otherwise, also in a choice-text export. Answers are checked against the codebook: a code the codebook
lacks cannot be written as a label or split column, so it is refused everywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from orchestration.survey.codebook import Codebook, Question
from orchestration.survey.qualtrics_reader import LEGACY_RENAMES
from synthetic.responses import METADATA_COLUMNS, SEEN_UNANSWERED, SurveyResponse

MULTI_LAYOUTS = ("combined", "split")
VALUE_MODES = ("numeric", "choice_text")
# dialect -> (separator, encoding); `excel` never gets a BOM (Excel's "CSV (;)" writes none).
DIALECTS = {"qualtrics": (",", "utf-8"), "excel": (";", "cp1252"), "tab": ("\t", "utf-8"), "legacy": (",", "utf-8")}
SEEN_UNANSWERED_CELL = "-99"
SEEN_UNANSWERED_SPLIT_CELL = "0"

# Qualtrics' row-2 label and row-3 ImportId per metadata column; dates also carry the time zone.
_METADATA = {
    "StartDate": ("Start Date", "startDate"),
    "EndDate": ("End Date", "endDate"),
    "Status": ("Response Type", "status"),
    "IPAddress": ("IP Address", "ipAddress"),
    "Progress": ("Progress", "progress"),
    "Duration (in seconds)": ("Duration (in seconds)", "duration"),
    "Finished": ("Finished", "finished"),
    "RecordedDate": ("Recorded Date", "recordedDate"),
    "ResponseId": ("Response ID", "_recordId"),
    "RecipientLastName": ("Recipient Last Name", "recipientLastName"),
    "RecipientFirstName": ("Recipient First Name", "recipientFirstName"),
    "RecipientEmail": ("Recipient Email", "recipientEmail"),
    "ExternalReference": ("External Data Reference", "externalDataReference"),
    "LocationLatitude": ("Location Latitude", "locationLatitude"),
    "LocationLongitude": ("Location Longitude", "locationLongitude"),
    "DistributionChannel": ("Distribution Channel", "distributionChannel"),
    "UserLanguage": ("User Language", "userLanguage"),
}
_DATE_COLUMNS = frozenset({"StartDate", "EndDate", "RecordedDate"})

# The legacy exporter's V1..V10: (row-2 name, today's column it holds). Name = "Last, First".
_LEGACY_NAMES = {today: legacy for legacy, today in LEGACY_RENAMES.items()}
_LEGACY_V_COLUMNS = tuple(
    (_LEGACY_NAMES.get(column, column), column)
    for column in (
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
    )
)
_LEGACY_RESPONSE_SET = "Default Response Set"
_LEGACY_NAME_PARTS = ("RecipientLastName", "RecipientFirstName")


@dataclass
class ExportTable:
    """An export before it becomes a file: (name, label, row-3 JSON) per column, and the cell texts."""

    columns: list[tuple[str, str, str]]
    rows: list[list[str]]


@dataclass(frozen=True)
class _Column:
    name: str
    label: str
    import_spec: dict[str, str]
    cell: Callable[[SurveyResponse], str]


def build_export(
    codebook: Codebook,
    responses: Iterable[SurveyResponse],
    *,
    multi_layout: str = "combined",
    values: str = "numeric",
    time_zone: str = "Europe/Brussels",
) -> ExportTable:
    """Lay responses out as a Qualtrics export of `codebook`: metadata, questions in order, extra columns."""
    if multi_layout not in MULTI_LAYOUTS:
        raise ValueError(f"multi_layout must be one of {MULTI_LAYOUTS}, not {multi_layout!r}")
    if values not in VALUE_MODES:
        raise ValueError(f"values must be one of {VALUE_MODES}, not {values!r}")
    responses = list(responses)
    for response in responses:
        _check_response(codebook, response)

    columns = [_metadata_column(name, time_zone) for name in METADATA_COLUMNS]
    for question in codebook.questions:
        columns += _question_columns(question, multi_layout == "split", values == "choice_text")
    taken = {column.name for column in columns}
    extra_names = sorted({name for response in responses for name in response.extra_columns})
    clashes = sorted(taken.intersection(extra_names))
    if clashes:
        raise ValueError(f"extra columns {clashes} clash with metadata or question columns")
    columns += [
        _Column(name, name, {"ImportId": name}, lambda response, name=name: response.extra_columns.get(name, ""))
        for name in extra_names
    ]
    return ExportTable(
        columns=[(column.name, column.label, _json(column.import_spec)) for column in columns],
        rows=[[column.cell(response) for column in columns] for response in responses],
    )


def _json(spec: dict[str, str]) -> str:
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":"))


def _metadata_column(name: str, time_zone: str) -> _Column:
    label, import_id = _METADATA[name]
    spec = {"ImportId": import_id, **({"timeZone": time_zone} if name in _DATE_COLUMNS else {})}
    if name == "ResponseId":  # the response's own id wins over a copy in metadata
        return _Column(name, label, spec, lambda response: response.response_id)
    return _Column(name, label, spec, lambda response: response.metadata.get(name, ""))


# --- questions ------------------------------------------------------------------------------------------


def _question_columns(question: Question, split: bool, as_text: bool) -> list[_Column]:
    qid, label, import_id = question.id, question.label, f"QID{question.position}"

    def encode(code: int) -> str:
        return question.choice(code).label if as_text else str(code)

    def joined(codes: frozenset) -> str:
        # Qualtrics lists selected choices in questionnaire order, comma-joined, labels unescaped.
        return ",".join(encode(code) for code in question.choice_codes if code in codes)

    def answer(response: SurveyResponse):
        return response.answers.get(qid)

    if question.type in ("single", "likert5"):
        columns = [_Column(qid, label, {"ImportId": import_id}, lambda r: _whole_cell(answer(r), encode))]
    elif question.type == "multi" and not split:
        columns = [_Column(qid, label, {"ImportId": import_id}, lambda r: _whole_cell(answer(r), joined))]
    elif question.type == "multi":
        columns = [
            _Column(
                f"{qid}_{choice.code}",
                f"{label} - {choice.label}",
                {"ImportId": import_id, "choiceId": str(choice.code)},
                lambda r, code=choice.code: _split_cell(answer(r), code),
            )
            for choice in question.choices
        ]
    elif question.type == "matrix_multi":
        columns = []
        for row in question.rows:

            def row_answer(r, row_code=row.code):
                value = answer(r)
                return value if value is None or value is SEEN_UNANSWERED else value.get(row_code)

            row_id = f"{import_id}_{row.code}"
            if split:
                columns += [
                    _Column(
                        f"{qid}_{row.code}_{choice.code}",
                        f"{label} - {row.label} - {choice.label}",
                        {"ImportId": row_id, "choiceId": str(choice.code)},
                        lambda r, code=choice.code, get=row_answer: _split_cell(get(r), code),
                    )
                    for choice in question.choices
                ]
            else:
                columns.append(
                    _Column(
                        f"{qid}_{row.code}",
                        f"{label} - {row.label}",
                        {"ImportId": row_id},
                        lambda r, get=row_answer: _whole_cell(get(r), joined),
                    )
                )
    else:  # text, number: the typed value
        columns = [_Column(qid, label, {"ImportId": import_id}, lambda r: _whole_cell(answer(r), str))]

    for code in question.other_text_codes:  # named by Qualtrics' choice id, which a recode may change
        text_id = question.text_column_id(code)
        columns.append(
            _Column(
                f"{qid}_{text_id}_TEXT",
                f"{label} - {question.choice(code).label} - Text",
                {"ImportId": f"{import_id}_{text_id}_TEXT"},
                lambda r, code=code: r.other_texts.get((qid, code), ""),
            )
        )
    return columns


def _whole_cell(value, render: Callable) -> str:
    if value is None:
        return ""
    if value is SEEN_UNANSWERED:
        return SEEN_UNANSWERED_CELL
    return render(value)


def _split_cell(value, code: int) -> str:
    if value is None:
        return ""
    if value is SEEN_UNANSWERED:
        return SEEN_UNANSWERED_SPLIT_CELL
    return "1" if code in value else ""


def _check_response(codebook: Codebook, response: SurveyResponse) -> None:
    """Refuse answers the export cannot represent, naming the response and question."""
    problems = []
    for qid, value in response.answers.items():
        if qid not in codebook:
            problems.append(f"{qid}: not in the codebook (use extra_columns for other columns)")
            continue
        question = codebook.question(qid)
        if value is SEEN_UNANSWERED:
            continue
        problem = _answer_problem(question, value)
        if problem:
            problems.append(f"{qid}: {problem}")
    for qid, code in response.other_texts:
        if qid not in codebook or code not in codebook.question(qid).other_text_codes:
            problems.append(f"other text ({qid}, {code}): the codebook has no such text field")
    if problems:
        raise ValueError(f"response {response.response_id}: " + "; ".join(problems))


def _answer_problem(question: Question, value) -> str | None:
    codes = set(question.choice_codes)
    if question.type in ("single", "likert5"):
        ok = isinstance(value, int) and not isinstance(value, bool) and value in codes
        return None if ok else f"{value!r} is not one of the codes {sorted(codes)}"
    if question.type == "multi":
        ok = isinstance(value, (set, frozenset)) and value <= codes
        return None if ok else f"{value!r} is not a set of the codes {sorted(codes)}"
    if question.type == "matrix_multi":
        rows = {row.code for row in question.rows}
        if not isinstance(value, dict) or not set(value) <= rows:
            return f"{value!r} is not a mapping of the row codes {sorted(rows)} to column codes"
        bad = {
            row: cells
            for row, cells in value.items()
            if cells is not SEEN_UNANSWERED and not (isinstance(cells, (set, frozenset)) and cells <= codes)
        }
        return f"rows {bad} do not hold sets of the column codes {sorted(codes)}" if bad else None
    if question.type == "number":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"{value!r} is not an integer"
    return None if isinstance(value, str) else f"{value!r} is not text"


# --- files ----------------------------------------------------------------------------------------------


def write_export(table: ExportTable, path: str | Path, *, dialect: str = "qualtrics", bom: bool = True) -> Path:
    """Write `table` as a file in `dialect`; `bom` applies to the UTF-8 dialects only."""
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {tuple(DIALECTS)}, not {dialect!r}")
    delimiter, encoding = DIALECTS[dialect]
    if encoding == "utf-8" and bom:
        encoding = "utf-8-sig"
    if dialect == "legacy":
        header, rows = _legacy_layout(table)
    else:
        header = [list(part) for part in zip(*table.columns)] if table.columns else [[], [], []]
        rows = table.rows
    if dialect == "excel":
        rows = _excel_dates(table, rows)
    path = Path(path)
    errors = "replace" if encoding == "cp1252" else "strict"  # Excel writes '?' for what cp1252 lacks
    with path.open("w", encoding=encoding, errors=errors, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerows(header)
        writer.writerows(rows)
    return path


def _excel_dates(table: ExportTable, rows: list[list[str]]) -> list[list[str]]:
    """Excel shows dates day-first and saves what it shows: `DD/MM/YYYY HH:MM`, seconds gone."""
    date_indexes = [index for index, (_, _, spec) in enumerate(table.columns) if "timeZone" in json.loads(spec)]
    if not date_indexes:
        return rows
    rewritten = []
    for row in rows:
        row = list(row)
        for index in date_indexes:
            try:
                row[index] = dt.datetime.strptime(row[index], "%Y-%m-%d %H:%M:%S").strftime("%d/%m/%Y %H:%M")
            except ValueError:
                pass  # blank or already some other text: Excel leaves it alone too
        rewritten.append(row)
    return rewritten


def _legacy_layout(table: ExportTable) -> tuple[list[list[str]], list[list[str]]]:
    """Row 1 `V1..V10`, remaining metadata and the tags; row 2 the legacy names, metadata names and labels."""
    index = {column[0]: position for position, column in enumerate(table.columns)}

    def value(row: list[str], name: str) -> str:
        return row[index[name]] if name in index else ""

    def cells(row: list[str]) -> list[str]:
        special = {
            "ResponseSet": _LEGACY_RESPONSE_SET,
            "Name": ", ".join(part for part in (value(row, name) for name in _LEGACY_NAME_PARTS) if part),
        }
        v_cells = [special[name] if name in special else value(row, name) for _, name in _LEGACY_V_COLUMNS]
        return v_cells + [row[position] for position in rest]

    consumed = {name for _, name in _LEGACY_V_COLUMNS} | set(_LEGACY_NAME_PARTS)
    metadata_rest = [index[name] for name in METADATA_COLUMNS if name in index and name not in consumed]
    others = [position for position, column in enumerate(table.columns) if column[0] not in _METADATA]
    rest = metadata_rest + others
    tags = [f"V{n}" for n in range(1, len(_LEGACY_V_COLUMNS) + 1)]
    legacy_names = [legacy for legacy, _ in _LEGACY_V_COLUMNS]
    row1 = tags + [table.columns[position][0] for position in rest]
    row2 = legacy_names + [
        table.columns[position][0] if position in metadata_rest else table.columns[position][1] for position in rest
    ]
    return [row1, row2], [cells(row) for row in table.rows]
