"""What leaves the warehouse for people (issue 18, items 4 and 7), on one build of a copy of the wave-1 sample
with hostile texts and a small base:

- codebook labels (Q22's question and choices, a Q31 row) and open answers (Q30) that start like a formula
  (`=HYPERLINK("http://x","y")`, `+1`, `-2`, `@SUM(A1)`): no XLSX cell is a formula, no CSV or SPSS text
  starts with those characters without the apostrophe, numbers stay numbers;
- Q29 answered by 3 municipalities, built with EXPORT_MIN_UNITS=5: no public export file and not the report
  holds a figure of it; the report says "fewer than 5 municipalities answered: not shown" in its place.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from conftest import build_warehouse
from orchestration.deliverables.exports import write_exports, write_workbook
from orchestration.deliverables.small_bases import SmallBaseRule, small_base_rule
from orchestration.deliverables.text_cells import FORMULA_STARTS, as_text, text_frame
from orchestration.settings import SURVEY_SEEDS_DIR, export_min_units
from orchestration.survey.codebook import load_codebook
from synthetic import write_landing

pytestmark = pytest.mark.e2e  # one whole build (about a minute)

WAVE = "w1_2023"
HYPERLINK = '=HYPERLINK("http://x","y")'
# (codebook line as shipped, the line with a label that starts like a formula)
LABELS = [
    (
        '    label: "Waarvoor zetten vrijwilligers zich in, naast gastopvang?"',
        "    label: '" + HYPERLINK + " Waarvoor zetten vrijwilligers zich in?'",
    ),
    ('      1: {label: "Logistieke taken"}', '      1: {label: "+1 logistieke taken"}'),
    ('      2: {label: "Tolken"}', '      2: {label: "-2 tolken"}'),
    ('      3: {label: "Goederen verzamelen voor materiële ondersteuning"}', '      3: {label: "@SUM(A1) goederen"}'),
    (
        '      4: {label: "Ontmoetingsmogelijkheden organiseren voor vluchtelingen of gastgezinnen"}',
        "      4: {label: '" + HYPERLINK + "'}",
    ),
    (
        '      1: {label: "De federale overheid", report_prefix: t8_1_fed}',
        '      1: {label: "-2 De federale overheid", report_prefix: t8_1_fed}',
    ),
]
OPEN_ANSWERS = [HYPERLINK, "+1 meer overleg", "-2 minder papierwerk", "@SUM(A1)"]
SMALL_QUESTION, SMALL_UNITS = "Q29", 3


def hostile_sample(sample, folder: Path):
    """A copy of the sample: the labels above in its codebook (its exports written with them), Q30's first
    answers replaced by `OPEN_ANSWERS`, and Q29 answered only in 3 municipalities (every respondent of the
    others loses that one answer, so which respondent a municipality keeps does not change)."""
    sample = copy.deepcopy(sample)
    text = (SURVEY_SEEDS_DIR / f"{WAVE}_codebook.yaml").read_text(encoding="utf-8")
    for shipped, hostile in LABELS:
        assert text.count(shipped) == 1, shipped
        text = text.replace(shipped, hostile)
    path = folder / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    sample = dataclasses.replace(sample, codebook=load_codebook(path))

    valid = {rid: nis for rid, (status, nis) in sample.intended_respondents.items() if status == "valid"}
    respondents: dict[str, list] = {}
    for response in sample.responses:
        respondents.setdefault(valid.get(response.response_id), []).append(response)
    kept = [
        nis
        for nis, responses in sorted(respondents.items(), key=lambda item: str(item[0]))
        if nis and all(SMALL_QUESTION in r.answers for r in responses)
    ][:SMALL_UNITS]
    assert len(kept) == SMALL_UNITS
    answering = dict.fromkeys(
        r.response_id for r in sample.responses if r.response_id in valid and isinstance(r.answers.get("Q30"), str)
    )
    open_answers = dict(zip(answering, OPEN_ANSWERS))  # by ResponseId: a row repeated in two files stays identical
    assert len(open_answers) == len(OPEN_ANSWERS)
    for response in sample.responses:
        if valid.get(response.response_id) not in kept:
            response.answers.pop(SMALL_QUESTION, None)
        if response.response_id in open_answers:
            response.answers["Q30"] = open_answers[response.response_id]
    return sample


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory, wave1_sample):
    """The copy of the sample built once, with its exports and report, with EXPORT_MIN_UNITS=5."""
    root = tmp_path_factory.mktemp("hostile")
    write_landing(hostile_sample(wave1_sample, root), root / "landing")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXPORT_MIN_UNITS", "5")
        result = build_warehouse(root / "warehouse.duckdb", root / "landing", with_files=True)
    assert result.success, [
        str(event.event_specific_data.error) for event in result.all_events if event.is_step_failure
    ]
    return root / "warehouse.duckdb"


@pytest.fixture(scope="module")
def published(hostile_build):
    with duckdb.connect(str(hostile_build), read_only=True) as connection:
        yield connection


def spreadsheet_files(hostile_build: Path) -> dict[str, list[Path]]:
    folder = hostile_build.parent / "exports" / WAVE
    return {suffix: sorted(folder.rglob(f"*.{suffix}")) for suffix in ("csv", "xlsx", "sav")}


def unsafe(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- item 4: formulas -------------------------------------------------------------------------------------


def test_the_hostile_texts_reached_the_warehouse(published):
    labels = {
        label
        for (label,) in published.execute(
            "select choice_label from marts.mart_codebook where wave_id = ? and question_id = 'Q22'", [WAVE]
        ).fetchall()
    }
    assert {"+1 logistieke taken", "-2 tolken", "@SUM(A1) goederen", HYPERLINK} <= labels
    answers = {
        text
        for (text,) in published.execute(
            "select answer_text from marts.mart_open_answers where wave_id = ? and question_id = 'Q30'", [WAVE]
        ).fetchall()
    }
    assert set(OPEN_ANSWERS) <= answers


def test_no_csv_cell_starts_like_a_formula_and_numbers_stay_numbers(hostile_build):
    files = spreadsheet_files(hostile_build)["csv"]
    assert len(files) == 4  # question results and estimates, internal and public
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            header, *lines = list(csv.reader(handle))
        typed = pd.read_csv(path)
        for line in lines:
            for column, cell in zip(header, line):
                if cell.startswith(FORMULA_STARTS):  # only a number in a numeric column may, e.g. a negative one
                    assert is_number(cell) and pd.api.types.is_numeric_dtype(typed[column]), (path.name, column, cell)
        for column in ("n_answered", "pct_weighted" if "pct_weighted" in typed else "pct"):
            assert pd.api.types.is_numeric_dtype(typed[column]), (path.name, column)
    internal = pd.read_csv(hostile_build.parent / "exports" / WAVE / "internal" / "question_results.csv")
    q22 = internal[internal["question_id"] == "Q22"]
    assert set(q22["question_label"]) == {"'" + HYPERLINK + " Waarvoor zetten vrijwilligers zich in?"}
    assert {"'+1 logistieke taken", "'-2 tolken", "'@SUM(A1) goederen", "'" + HYPERLINK} <= set(q22["choice_label"])
    assert "'-2 De federale overheid" in set(internal.loc[internal["question_id"] == "Q31", "row_label"])


def test_no_workbook_cell_is_a_formula_and_numbers_stay_numbers(hostile_build):
    files = spreadsheet_files(hostile_build)["xlsx"]
    assert len(files) == 2
    seen_quoted = 0
    for path in files:
        workbook = openpyxl.load_workbook(path)
        for sheet in workbook.worksheets:
            header = [cell.value for cell in sheet[1]]
            for row in sheet.iter_rows(min_row=2):
                for name, cell in zip(header, row):
                    assert cell.data_type != "f", (path, sheet.title, cell.coordinate, cell.value)
                    assert not unsafe(cell.value), (path, sheet.title, cell.coordinate, cell.value)
                    seen_quoted += isinstance(cell.value, str) and cell.value.startswith("'" + HYPERLINK)
                    if name in ("n_answered", "pct", "question_position") and cell.value is not None:
                        assert isinstance(cell.value, (int, float)), (path, sheet.title, cell.coordinate, cell.value)
    assert seen_quoted > 0


def test_no_spss_text_or_label_starts_like_a_formula(hostile_build):
    (path,) = spreadsheet_files(hostile_build)["sav"]
    frame, meta = pyreadstat.read_sav(str(path))
    texts = [column for column in frame.columns if not pd.api.types.is_numeric_dtype(frame[column])]
    assert set(texts) <= {"wave_id", "nis_code", "name_nl", "province_name_nl", "size_class", "belfius_type_code"}
    for column in texts:
        assert not any(map(unsafe, frame[column])), column
    assert not any(map(unsafe, meta.column_names_to_labels.values()))
    assert not any(unsafe(text) for labels in meta.variable_value_labels.values() for text in labels.values())
    assert (
        meta.column_names_to_labels["q22_c1"]
        == "'" + HYPERLINK + " Waarvoor zetten vrijwilligers zich in? - +1 logistieke taken"
    )


def test_parquet_keeps_the_texts_as_the_warehouse_holds_them(hostile_build):
    """Parquet is typed data for programs, not a spreadsheet: the open answers in it are verbatim."""
    parquet = hostile_build.parent / "exports" / WAVE / "internal" / "marts" / "mart_open_answers.parquet"
    answers = {text for (text,) in duckdb.sql(f"select answer_text from read_parquet('{parquet}')").fetchall()}
    assert set(OPEN_ANSWERS) <= answers


def test_as_text_quotes_texts_and_leaves_numbers():
    assert [as_text(value) for value in (HYPERLINK, "+1", "-2", "@SUM(A1)", "\tx", "\rx", "-5 %", "a=b")] == [
        "'" + HYPERLINK,
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "'-5 %",
        "a=b",
    ]
    assert [as_text(value) for value in (-5, -2.5, None)] == [-5, -2.5, None]
    frame = pd.DataFrame(
        {
            "label": ["-5 %", "ok", None],
            "change": [-5.0, 1.5, None],
            "n": pd.array([-2, 3, None], dtype="Int64"),
            "empty": [None, None, None],
        }
    )
    safe = text_frame(frame)
    assert list(safe["label"][:2]) == ["'-5 %", "ok"] and pd.isna(safe["label"][2])
    assert safe["change"].equals(frame["change"]) and safe["n"].equals(frame["n"])
    assert list(frame["label"][:2]) == ["-5 %", "ok"]  # the caller's table is left as it was


def test_the_workbook_writer_never_writes_a_formula(tmp_path):
    results = pd.DataFrame(
        {
            "wave_id": [WAVE],
            "section": ["s"],
            "question_id": ["Q1"],
            "question_label": [HYPERLINK],
            "row_code": [None],
            "row_label": ["=1+1"],
            "choice_code": [1],
            "choice_label": ["-5 %"],
            "unit": ["municipality"],
            "n_selected": [1],
            "n_answered": [5],
            "pct": [-20.0],
        }
    )
    estimates = results[["wave_id", "question_id", "row_code", "choice_code"]].assign(
        pct_weighted=[1.0], ci_lower=[0.0], ci_upper=[2.0], population_n=[300]
    )
    codebook = pd.DataFrame({"section": ["s"], "question_id": ["Q1"], "question_label": ["@x"]})
    workbook = openpyxl.load_workbook(write_workbook(results, estimates, codebook, tmp_path / "tables.xlsx"))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert {"'" + HYPERLINK, "'=1+1", "'-5 %", "'@x"} <= {cell.value for cell in cells}
    assert -20 in {cell.value for cell in cells}


# --- item 7: small bases ----------------------------------------------------------------------------------


def test_the_small_question_has_three_units_in_the_internal_files(published, hostile_build):
    (n,) = published.execute(
        "select distinct n_answered from marts.mart_question_result where wave_id = ? and question_id = ?",
        [WAVE, SMALL_QUESTION],
    ).fetchone()
    assert n == SMALL_UNITS
    internal = pd.read_csv(hostile_build.parent / "exports" / WAVE / "internal" / "question_results.csv")
    assert set(internal.loc[internal["question_id"] == SMALL_QUESTION, "n_answered"]) == {SMALL_UNITS}


def test_no_public_file_holds_a_figure_of_the_small_question(hostile_build):
    public = hostile_build.parent / "exports" / WAVE / "public"
    assert {path.name for path in public.iterdir()} == {
        "README.txt",
        "question_results.csv",
        "weighted_estimates.csv",
        "tables.xlsx",
    }
    for name in ("question_results.csv", "weighted_estimates.csv"):
        table = pd.read_csv(public / name)
        assert SMALL_QUESTION not in set(table["question_id"]) and table["n_answered"].min() >= 5, name
        assert "Q7" in set(table["question_id"])
    workbook = openpyxl.load_workbook(public / "tables.xlsx")
    for sheet in workbook.worksheets:
        if sheet.title != "codebook":  # the questionnaire itself, without figures
            assert SMALL_QUESTION not in {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}, sheet.title
    readme = (public / "README.txt").read_text(encoding="utf-8")
    assert "fewer than 5 units" in readme and "EXPORT_MIN_UNITS=5" in readme


class _Section(HTMLParser):
    """The text of one question's part of the report, from its heading to the next heading."""

    def __init__(self, question_id: str):
        super().__init__()
        self.question_id, self.inside, self.text, self.tags = question_id, False, [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3"):
            self.inside = False
        if self.inside:
            self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        pass

    def handle_data(self, data):
        if data.startswith(f"{self.question_id}. "):
            self.inside = True
        if self.inside:
            self.text.append(data)


def test_the_report_shows_the_small_question_without_any_figure(hostile_build, published):
    folder = hostile_build.parent / "reports" / WAVE
    page = (folder / "report.html").read_text(encoding="utf-8")
    section = _Section(SMALL_QUESTION)
    section.feed(page)
    label = published.execute(
        "select distinct question_label from marts.mart_codebook where wave_id = ? and question_id = ?",
        [WAVE, SMALL_QUESTION],
    ).fetchone()[0]
    text = " ".join("".join(section.text).split())
    assert text == f"{SMALL_QUESTION}. {label} fewer than 5 municipalities answered: not shown.", text
    assert [tag for tag, _ in section.tags] == ["p", "span"]  # no table, no chart
    assert not re.search(rf'<tr[^>]*data-question="{SMALL_QUESTION}"', page)
    assert (
        f'data-question="{SMALL_QUESTION}"><img' not in page
        and not (folder / "charts" / f"{SMALL_QUESTION}.png").exists()
    )
    assert 'data-question="Q7" data-row="" data-choice="1"' in page  # the others keep their figures
    assert 'data-min-units="5"' in page


# --- the rule itself ----------------------------------------------------------------------------------------


def test_the_readme_states_the_rule_for_0_and_for_5(hostile_build, tmp_path):
    write_exports(hostile_build, tmp_path / "none", min_units=0)
    write_exports(hostile_build, tmp_path / "five", min_units=5)
    none = (tmp_path / "none" / WAVE / "public" / "README.txt").read_text(encoding="utf-8")
    five = (tmp_path / "five" / WAVE / "public" / "README.txt").read_text(encoding="utf-8")
    assert "Nothing is suppressed (EXPORT_MIN_UNITS=0)" in none and "below 0" not in none and "fewer than 0" not in none
    assert (
        "Rows whose base (n_answered) is fewer than 5 units (municipalities; respondents for a question with "
        "unit respondent) are left out (EXPORT_MIN_UNITS=5)"
    ) in five
    unsuppressed = pd.read_csv(tmp_path / "none" / WAVE / "public" / "question_results.csv")
    assert set(unsuppressed.loc[unsuppressed["question_id"] == SMALL_QUESTION, "n_answered"]) == {SMALL_UNITS}


def test_one_rule_shown_keep_note_and_statement():
    rule = SmallBaseRule(5)
    assert [rule.shown(n) for n in (0, 3, 4, 5, 172, None, float("nan"))] == [
        False,
        False,
        False,
        True,
        True,
        False,
        False,
    ]
    assert rule.note() == "fewer than 5 municipalities answered: not shown"
    assert rule.note("respondent") == "fewer than 5 respondents answered: not shown"
    frame = pd.DataFrame({"n_answered": [3, 5, 7]})
    assert list(rule.keep(frame)["n_answered"]) == [5, 7]
    nothing = SmallBaseRule(0)
    assert all(nothing.shown(n) for n in (0, 1, None)) and nothing.keep(frame) is frame
    assert nothing.statement().startswith("Nothing is suppressed")
    assert SmallBaseRule(1).note() == "fewer than 1 municipality answered: not shown"
    with pytest.raises(ValueError):
        SmallBaseRule(-1)


def test_export_min_units_is_read_in_one_place(monkeypatch):
    for raw, expected in (("", 5), ("0", 0), ("5", 5), (" 12 ", 12)):
        monkeypatch.setenv("EXPORT_MIN_UNITS", raw)
        assert export_min_units() == expected == small_base_rule().min_units
    monkeypatch.delenv("EXPORT_MIN_UNITS")
    assert small_base_rule().min_units == 5 and small_base_rule(0).min_units == 0
    for raw in ("-1", "five", "2.5"):
        monkeypatch.setenv("EXPORT_MIN_UNITS", raw)
        with pytest.raises(ValueError, match="EXPORT_MIN_UNITS"):
            export_min_units()
