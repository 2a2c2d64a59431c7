"""Analysts' deliverables on the session warehouse (built from the synthetic sample, which `ALL_ASSETS`
also exports and reports): estimates, benchmarks, themes, files read back, the report in a browser, and
the published file opened by the DuckDB 1.x command-line client."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from orchestration.deliverables.exports import write_exports
from orchestration.deliverables.report import write_reports
from orchestration.survey.flat_files import FlatFileFormatError, read_open_answer_themes
from orchestration.survey.landing import discover_landing

WAVE = "w1_2023"
ESTIMATE_COLUMNS = ["wave_id", "question_id", "row_code", "choice_code", "n_answered", "population_n",
                    "pct_unweighted", "pct_weighted", "ci_lower", "ci_upper", "method"]


def rows(connection, sql, params=()):
    return connection.execute(sql, list(params)).fetchall()


# --- weighted estimates -------------------------------------------------------------------------------

def test_weighted_estimate_has_exactly_the_issue_columns(warehouse):
    columns = [r[0] for r in rows(warehouse, "select column_name from information_schema.columns where "
                                             "table_schema = 'marts' and table_name = 'mart_weighted_estimate' "
                                             "order by ordinal_position")]
    assert columns == ESTIMATE_COLUMNS


def test_unweighted_share_and_n_equal_the_published_question_results(warehouse):
    differing = rows(warehouse, """
        select e.question_id, e.row_code, e.choice_code, e.pct_unweighted, r.pct, e.n_answered, r.n_answered
        from marts.mart_weighted_estimate as e
        full join (select * from marts.mart_question_result where unit = 'municipality' and choice_code is not null) as r
            on e.wave_id = r.wave_id and e.question_id = r.question_id
            and e.row_code is not distinct from r.row_code and e.choice_code = r.choice_code
        where e.pct_unweighted is distinct from r.pct or e.n_answered is distinct from r.n_answered""")
    assert differing == []


def test_weighted_shares_sit_inside_their_intervals_over_the_wave_map(warehouse):
    (n, population, bad_interval, missing) = rows(warehouse, """
        select count(*), max(population_n),
               count(*) filter (where not (ci_lower <= pct_weighted and pct_weighted <= ci_upper)),
               count(*) filter (where n_answered > 0 and pct_weighted is null)
        from marts.mart_weighted_estimate where wave_id = ?""", [WAVE])[0]
    assert n > 100 and population == 300 and bad_interval == 0 and missing == 0


def test_raked_weights_would_reproduce_the_map_so_a_question_everyone_answered_sums_to_100(warehouse):
    # A single-choice question: the weighted shares of its choices add up to 100 (up to rounding).
    totals = rows(warehouse, """
        select question_id, sum(pct_weighted) from marts.mart_weighted_estimate
        where question_id in (select question_id from staging.stg_codebook__questions
                              where question_type in ('single', 'likert5') and unit = 'municipality')
        group by question_id""")
    assert totals and all(abs(total - 100) <= 0.3 for _, total in totals)


# --- benchmarks ---------------------------------------------------------------------------------------

def test_benchmark_flanders_share_is_the_question_result(warehouse):
    differing = rows(warehouse, """
        select distinct b.question_id, b.row_code, b.choice_code
        from marts.mart_municipality_benchmark as b
        inner join marts.mart_question_result as r
            on b.wave_id = r.wave_id and b.question_id = r.question_id
            and b.row_code is not distinct from r.row_code and b.choice_code = r.choice_code
        where b.flanders_pct is distinct from r.pct or b.flanders_n_answered <> r.n_answered""")
    assert differing == []


def test_benchmark_of_one_municipality_matches_a_count_over_its_province(warehouse):
    nis_code, province = rows(warehouse, "select nis_code, province_name_nl from marts.mart_municipality_benchmark "
                                         "order by nis_code limit 1")[0]
    own = dict(((q, c), (chosen, pct)) for q, c, chosen, pct in rows(warehouse, """
        select question_id, choice_code, is_chosen, province_pct from marts.mart_municipality_benchmark
        where nis_code = ? and question_id = 'Q7'""", [nis_code]))
    answered = {r[0] for r in rows(warehouse, """
        select distinct f.nis_code from marts.fct_municipality_answers f join marts.dim_municipality d using (nis_code)
        where f.question_id = 'Q7' and d.province_name_nl = ?""", [province])}
    chose = dict(rows(warehouse, """
        select f.choice_code, count(distinct f.nis_code) from marts.fct_municipality_answers f
        join marts.dim_municipality d using (nis_code)
        where f.question_id = 'Q7' and d.province_name_nl = ? group by 1""", [province]))
    mine = {c for (c,) in rows(warehouse, "select choice_code from marts.fct_municipality_answers "
                                          "where nis_code = ? and question_id = 'Q7'", [nis_code])}
    for (question, code), (chosen, pct) in own.items():
        assert pct == pytest.approx(round(100 * chose.get(code, 0) / len(answered), 1), abs=0.051)
        assert chosen == (code in mine)


# --- themes in open answers -----------------------------------------------------------------------------

def test_theme_counts_are_the_listed_answers(warehouse):
    differing = rows(warehouse, """
        select t.wave_id, t.question_id, t.theme from marts.mart_open_answer_themes t
        full join (select wave_id, question_id, theme, count(*) as n from marts.mart_open_answer_theme_answers
                   group by all) a using (wave_id, question_id, theme)
        where t.n_answers is distinct from a.n""")
    assert differing == []
    assert rows(warehouse, "select count(*) from marts.mart_open_answer_themes where theme = 'huisvesting'")[0][0] > 0


def test_a_landing_theme_file_overrides_the_shipped_one(tmp_path):
    (tmp_path / "overrides").mkdir()
    (tmp_path / "overrides" / "open_answer_themes.csv").write_text("theme,pattern\nzorg,dokter\n", encoding="utf-8")
    inventory = discover_landing(tmp_path)
    assert inventory.themes_path == tmp_path / "overrides" / "open_answer_themes.csv"
    assert inventory.themes_path in inventory.all_paths()


def test_a_theme_pattern_that_is_no_regular_expression_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "themes.csv"
    path.write_text("theme,pattern\nwoning,woning\nfout,(open\n", encoding="utf-8")
    with pytest.raises(FlatFileFormatError, match=r"themes\.csv: line 3: column pattern: '\(open'"):
        read_open_answer_themes(path, source_file="themes.csv", loaded_at=dt.datetime.now(dt.UTC))


# --- exports --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def export_dir(warehouse_db) -> Path:
    return warehouse_db.parent / "exports" / WAVE


def test_csv_exports_read_back_as_the_marts(warehouse, export_dir):
    results = pd.read_csv(export_dir / "internal" / "question_results.csv")
    mart = warehouse.execute("select * from marts.mart_question_result where wave_id = ?", [WAVE]).df()
    assert len(results) == len(mart)
    assert results["n_selected"].sum() == mart["n_selected"].sum()
    estimates = pd.read_csv(export_dir / "internal" / "weighted_estimates.csv")
    assert estimates["pct_weighted"].sum() == pytest.approx(
        warehouse.execute("select sum(pct_weighted) from marts.mart_weighted_estimate where wave_id = ?", [WAVE]).fetchone()[0])


def test_workbook_has_a_sheet_per_section_and_a_codebook(warehouse, export_dir):
    workbook = openpyxl.load_workbook(export_dir / "internal" / "tables.xlsx", read_only=True)
    sections = {r[0] for r in rows(warehouse, "select distinct section from staging.stg_codebook__questions "
                                              "where wave_id = ? and question_type <> 'number'", [WAVE])}
    assert set(workbook.sheetnames) == sections | {"codebook"}
    q7 = pd.read_excel(export_dir / "internal" / "tables.xlsx", sheet_name="beleidskeuzes").query("question_id == 'Q7'")
    assert list(q7["pct"]) == [r[0] for r in rows(warehouse, "select pct from marts.mart_question_result "
                                                             "where question_id = 'Q7' order by choice_code")]
    assert q7["pct_weighted"].notna().all()


def test_spss_profile_carries_question_texts_and_choice_labels(warehouse, export_dir):
    frame, meta = pyreadstat.read_sav(str(export_dir / "internal" / "municipality_profile.sav"))
    assert len(frame) == rows(warehouse, "select count(*) from marts.mart_municipality_profile where wave_id = ?",
                              [WAVE])[0][0]
    label = rows(warehouse, "select label from staging.stg_codebook__questions where question_id = 'Q6'")[0][0]
    assert meta.column_names_to_labels["q6"] == label
    choices = dict(rows(warehouse, "select choice_code, label from staging.stg_codebook__choices where question_id = 'Q6'"))
    assert {int(k): v for k, v in meta.variable_value_labels["q6"].items()} == choices
    assert meta.column_names_to_labels["q7_c1"].endswith(" - Opvang/huisvesting")
    assert meta.variable_value_labels["q7_c1"] == {0: "not chosen", 1: "chosen"}
    parquet = duckdb.sql(f"select * from read_parquet('{export_dir / 'internal' / 'municipality_profile.parquet'}')").df()
    assert len(parquet) == len(frame) and frame["q6"].sum() == parquet["q6"].sum()


def test_internal_profile_has_every_mart_and_public_only_aggregates(warehouse, export_dir):
    marts = {r[0] for r in rows(warehouse, "select table_name from information_schema.tables where table_schema = 'marts'")}
    assert {p.stem for p in (export_dir / "internal" / "marts").glob("*.parquet")} == marts
    public = {p.name for p in (export_dir / "public").iterdir()}
    assert public == {"README.txt", "question_results.csv", "weighted_estimates.csv", "tables.xlsx"}
    for name in ("question_results.csv", "weighted_estimates.csv"):
        assert pd.read_csv(export_dir / "public" / name)["n_answered"].min() >= 5
    assert "SYNTHETIC" in (export_dir / "public" / "README.txt").read_text(encoding="utf-8")


def test_public_suppression_follows_the_analysts_setting(warehouse_db, tmp_path):
    small = rows(duckdb.connect(str(warehouse_db), read_only=True),
                 "select count(*) from marts.mart_question_result where wave_id = ? and n_answered < 5", [WAVE])[0][0]
    write_exports(warehouse_db, tmp_path / "none", min_units=0)
    write_exports(warehouse_db, tmp_path / "five", min_units=5)
    unsuppressed = pd.read_csv(tmp_path / "none" / WAVE / "public" / "question_results.csv")
    suppressed = pd.read_csv(tmp_path / "five" / WAVE / "public" / "question_results.csv")
    assert small > 0 and len(unsuppressed) - len(suppressed) == small


# --- report ---------------------------------------------------------------------------------------------

class _Rows(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tr" and "data-choice" in attributes and "data-pct" in attributes:
            self.rows.append(attributes)


@pytest.fixture(scope="module")
def report_path(warehouse_db) -> Path:
    return warehouse_db.parent / "reports" / WAVE / "report.html"


def test_report_tables_equal_the_question_results(warehouse, report_path):
    parser = _Rows()
    parser.feed(report_path.read_text(encoding="utf-8"))
    shown = {(r["data-question"], r["data-row"], r["data-choice"]): (int(r["data-n-selected"]), int(r["data-n-answered"]),
                                                                    float(r["data-pct"]) if r["data-pct"] else None)
             for r in parser.rows}
    mart = {(q, "" if row is None else str(row), str(c)): (n, base, pct) for q, row, c, n, base, pct in rows(
        warehouse, "select question_id, row_code, choice_code, n_selected, n_answered, pct from marts.mart_question_result "
                   "where wave_id = ? and choice_code is not null", [WAVE])}
    assert shown == mart


def test_report_shows_the_published_figures_the_warehouse_reproduces(warehouse, report_path):
    parser = _Rows()
    parser.feed(report_path.read_text(encoding="utf-8"))
    shown = {(r["data-question"], r["data-row"], r["data-choice"]): (int(r["data-n-selected"]), float(r["data-pct"]))
             for r in parser.rows}
    # Published figures of one choice of one question (matrix rows included) that the warehouse reproduces.
    figures = rows(warehouse, """
        select d.question_id, coalesce(cast(d.row_code as varchar), ''), cast(d.codes[1] as varchar),
               f.count, f.pct
        from marts.mart_report_figures as f
        join intermediate.int_report_figure_definitions as d using (figure_id)
        where f.matches_report and d.rule_source = 'question' and len(d.codes) = 1
          and coalesce(d.min_codes, 1) = 1 and d.statistic = 'units_choosing' and d.defined_by = 'codebook'
          and f.pct_printed is not null""")
    assert len(figures) > 60
    # matches_report: the figure's count and pct equal the print at its printed precision.
    for question, row, code, count, pct in figures:
        assert shown[(question, row, code)] == (count, pct)


def test_report_has_charts_as_png_and_svg_and_says_there_is_no_compared_wave(report_path):
    charts = report_path.parent / "charts"
    pngs, svgs = sorted(p.stem for p in charts.glob("*.png")), sorted(p.stem for p in charts.glob("*.svg"))
    text = report_path.read_text(encoding="utf-8")
    assert pngs == svgs and "Q7" in pngs
    assert int(re.search(r'data-charts-expected="(\d+)"', text)[1]) == len(pngs)
    assert all((charts / f"{name}.png").read_bytes()[:4] == b"\x89PNG" for name in pngs)
    assert 'class="no-trend"' in text


def test_report_shows_the_change_when_a_trend_mart_exists(warehouse_db, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_db, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute("""
            create table marts.mart_question_trend as
            select wave_id, question_id, row_code, choice_code, choice_label, unit, n_selected, n_answered, pct,
                   'w0_2022' as compared_wave_id, question_id as compared_question_id,
                   cast(choice_code as varchar) as compared_choice_codes, 10 as compared_n_selected,
                   100 as compared_n_answered, 10.0 as compared_pct, round(pct - 10.0, 1) as pct_point_change
            from marts.mart_question_result where question_id = 'Q6'""")
    (report,) = [p for p in write_reports(copy, tmp_path / "reports") if p.name == "report.html"]
    text = report.read_text(encoding="utf-8")
    assert 'class="no-trend"' not in text and "w0_2022" in text
    assert 'data-question="Q6" data-choice="1" data-change="54.0"' in text


def test_report_renders_in_headless_chromium_with_charts_and_no_console_errors(report_path, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "the browser test needs Debian's chromium (apt-get install chromium; .ci/run installs it)"
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom", report_path.as_uri()],
        capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    body = re.search(r"<body[^>]*>", result.stdout)[0]
    expected = int(re.search(r'data-charts-expected="(\d+)"', body)[1])
    assert expected > 0
    assert f'data-charts-total="{expected}"' in body and f'data-charts-drawn="{expected}"' in body
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert any("report ready" in line for line in console), "console output was not captured"
    problems = [line for line in console if ":INFO:CONSOLE" not in line or "Uncaught" in line]
    problems += [line for line in result.stderr.splitlines() if "Uncaught" in line or "Failed to load resource" in line]
    assert problems == []


# --- the published file and older DuckDB clients --------------------------------------------------------

def test_the_registry_duckdb_cli_opens_the_published_file(warehouse_db):
    cli = Path(sys.prefix) / "bin" / "duckdb"
    assert cli.exists(), "duckdb-cli (a dev dependency) is not installed"
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=60).stdout
    assert version.startswith("v1.")
    result = subprocess.run(
        [str(cli), "-readonly", "-csv", str(warehouse_db), "-c",
         "select count(*) from marts.mart_weighted_estimate; select count(*) from staging.stg_qualtrics__responses"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    counts = [int(line) for line in result.stdout.split() if line.isdigit()]
    with duckdb.connect(str(warehouse_db), read_only=True) as connection:
        assert counts == [connection.execute("select count(*) from marts.mart_weighted_estimate").fetchone()[0],
                          connection.execute("select count(*) from staging.stg_qualtrics__responses").fetchone()[0]]


def test_make_docs_writes_one_static_page(warehouse_db, tmp_path):
    from orchestration.deliverables.docs_site import write_docs_site

    page = write_docs_site(warehouse_db, tmp_path / "dbt_docs.html")
    text = page.read_text(encoding="utf-8")
    assert "mart_weighted_estimate" in text and "<html" in text.lower()
