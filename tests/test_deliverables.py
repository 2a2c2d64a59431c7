"""Analysts' deliverables on the session warehouse (built from the synthetic sample, which `ALL_ASSETS`
also exports and reports): estimates, benchmarks, themes, files read back, the report in a browser, and
the published file opened by the DuckDB 1.x command-line client. The sample has two waves on different
maps and questionnaires (w1_2023: 300 municipalities; w2_2025: 285, questions recoded, added, dropped),
so each wave's deliverables are checked against that wave's rows, codebook and map."""

from __future__ import annotations

import datetime as dt
import html
import os
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

from extras import chromium
from orchestration.deliverables.exports import write_exports
from orchestration.settings import REFERENCE_DIR
from orchestration.survey.flat_files import FlatFileFormatError, read_open_answer_themes
from orchestration.survey.landing import discover_landing

WAVE = "w1_2023"  # the report wave: its figures are checked against the published ones
WAVES = ["w1_2023", "w2_2025"]
MAP_SIZE = {"w1_2023": 300, "w2_2025": 285}
MAP_DIM = {"w1_2023": "dim_municipality", "w2_2025": "dim_municipality_2025"}
ESTIMATE_COLUMNS = [
    "wave_id",
    "question_id",
    "row_code",
    "choice_code",
    "n_answered",
    "population_n",
    "pct_unweighted",
    "pct_weighted",
    "se_weighted",
    "ci_lower",
    "ci_upper",
    "design_effect",
    "ci_method",
    "method",
]


def rows(connection, sql, params=()):
    return connection.execute(sql, list(params)).fetchall()


# --- weighted estimates -------------------------------------------------------------------------------


def test_weighted_estimate_has_exactly_the_issue_columns(warehouse):
    columns = [
        r[0]
        for r in rows(
            warehouse,
            "select column_name from information_schema.columns where "
            "table_schema = 'marts' and table_name = 'mart_weighted_estimate' "
            "order by ordinal_position",
        )
    ]
    assert columns == ESTIMATE_COLUMNS


def test_unweighted_share_and_n_equal_the_published_question_results(warehouse):
    differing = rows(
        warehouse,
        """
        select e.question_id, e.row_code, e.choice_code, e.pct_unweighted, r.pct, e.n_answered, r.n_answered
        from marts.mart_weighted_estimate as e
        full join (select * from marts.mart_question_result where unit = 'municipality' and choice_code is not null) as r
            on e.wave_id = r.wave_id and e.question_id = r.question_id
            and e.row_code is not distinct from r.row_code and e.choice_code = r.choice_code
        where e.pct_unweighted is distinct from r.pct or e.n_answered is distinct from r.n_answered""",
    )
    assert differing == []


@pytest.mark.parametrize("wave_id", WAVES)
def test_weighted_shares_sit_inside_their_intervals_over_the_wave_map(warehouse, wave_id):
    (n, population, bad_interval, missing, items) = rows(
        warehouse,
        """
        select count(*), max(population_n),
               count(*) filter (where not (ci_lower <= pct_weighted and pct_weighted <= ci_upper)),
               count(*) filter (where n_answered > 0 and pct_weighted is null),
               (select count(*) from intermediate.int_estimation_items where wave_id = $1)
        from marts.mart_weighted_estimate where wave_id = $1""",
        [wave_id],
    )[0]
    assert n > 50 and n == items and population == MAP_SIZE[wave_id] and bad_interval == 0 and missing == 0


def test_estimates_are_those_of_each_waves_own_questions(warehouse):
    differing = rows(
        warehouse,
        """
        select coalesce(e.wave_id, i.wave_id), coalesce(e.question_id, i.question_id)
        from marts.mart_weighted_estimate as e
        full join intermediate.int_estimation_items as i
            on e.wave_id = i.wave_id and e.question_id = i.question_id
            and e.row_code is not distinct from i.row_code and e.choice_code = i.choice_code
        where e.wave_id is null or i.wave_id is null""",
    )
    assert differing == []
    # Q6 was recoded in w2_2025 (four choices instead of three); Q42 is new, Q4 dropped.
    counts = dict(
        rows(
            warehouse,
            "select wave_id || ' ' || question_id, count(*) from marts.mart_weighted_estimate "
            "where question_id in ('Q4', 'Q6', 'Q42') group by 1",
        )
    )
    assert set(counts) == {"w1_2023 Q4", "w1_2023 Q6", "w2_2025 Q6", "w2_2025 Q42"}
    assert (counts["w1_2023 Q6"], counts["w2_2025 Q6"]) == (3, 4)


def test_raked_weights_would_reproduce_the_map_so_a_question_everyone_answered_sums_to_100(warehouse):
    # A single-choice question of a wave: the weighted shares of its choices add up to 100 (up to rounding).
    totals = rows(
        warehouse,
        """
        select e.wave_id, e.question_id, sum(e.pct_weighted) from marts.mart_weighted_estimate as e
        inner join staging.stg_codebook__questions as q using (wave_id, question_id)
        where q.question_type in ('single', 'likert5') and q.unit = 'municipality'
        group by e.wave_id, e.question_id""",
    )
    assert {wave for wave, _, _ in totals} == set(WAVES)
    assert all(abs(total - 100) <= 0.3 for _, _, total in totals), totals


# --- benchmarks ---------------------------------------------------------------------------------------


def test_benchmark_flanders_share_is_the_question_result(warehouse):
    differing = rows(
        warehouse,
        """
        select distinct b.question_id, b.row_code, b.choice_code
        from marts.mart_municipality_benchmark as b
        inner join marts.mart_question_result as r
            on b.wave_id = r.wave_id and b.question_id = r.question_id
            and b.row_code is not distinct from r.row_code and b.choice_code = r.choice_code
        where b.flanders_pct is distinct from r.pct or b.flanders_n_answered <> r.n_answered""",
    )
    assert differing == []


@pytest.mark.parametrize("wave_id", WAVES)
def test_benchmark_of_one_municipality_matches_a_count_over_its_province(warehouse, wave_id):
    # The wave's own answers and its own map: a province of the 2025 map holds the merged municipalities.
    dim = MAP_DIM[wave_id]
    nis_code, province = rows(
        warehouse,
        "select nis_code, province_name_nl from marts.mart_municipality_benchmark "
        "where wave_id = ? order by nis_code limit 1",
        [wave_id],
    )[0]
    own = dict(
        ((q, c), (chosen, pct))
        for q, c, chosen, pct in rows(
            warehouse,
            """
        select question_id, choice_code, is_chosen, province_pct from marts.mart_municipality_benchmark
        where wave_id = ? and nis_code = ? and question_id = 'Q7'""",
            [wave_id, nis_code],
        )
    )
    answered = {
        r[0]
        for r in rows(
            warehouse,
            f"""
        select distinct f.nis_code from marts.fct_municipality_answers f join marts.{dim} d using (nis_code)
        where f.wave_id = ? and f.question_id = 'Q7' and d.province_name_nl = ?""",
            [wave_id, province],
        )
    }
    chose = dict(
        rows(
            warehouse,
            f"""
        select f.choice_code, count(distinct f.nis_code) from marts.fct_municipality_answers f
        join marts.{dim} d using (nis_code)
        where f.wave_id = ? and f.question_id = 'Q7' and d.province_name_nl = ? group by 1""",
            [wave_id, province],
        )
    )
    mine = {
        c
        for (c,) in rows(
            warehouse,
            "select choice_code from marts.fct_municipality_answers "
            "where wave_id = ? and nis_code = ? and question_id = 'Q7'",
            [wave_id, nis_code],
        )
    }
    assert own and answered
    for (_question, code), (chosen, pct) in own.items():
        assert pct == pytest.approx(round(100 * chose.get(code, 0) / len(answered), 1), abs=0.051)
        assert chosen == (code in mine)


def test_a_2025_municipality_has_the_belfius_cluster_its_predecessors_share(warehouse):
    """dim_municipality_2025 takes the cluster when every predecessor had the same one, else none."""
    expected = dict(
        rows(
            warehouse,
            """
        select d.nis_code_2025, case when count(distinct d.belfius_cluster_code) = 1 then min(d.belfius_cluster_code) end
        from marts.dim_municipality as d group by 1""",
        )
    )
    actual = dict(rows(warehouse, "select nis_code, belfius_cluster_code from marts.dim_municipality_2025"))
    assert actual == expected
    assert None in actual.values() and len({v for v in actual.values() if v}) == 16  # mergers across clusters have none
    benchmarked = dict(
        rows(
            warehouse,
            """
        select b.wave_id, count(b.cluster_pct) > 0 from marts.mart_municipality_benchmark as b group by 1""",
        )
    )
    assert benchmarked == {"w1_2023": True, "w2_2025": True}
    without = rows(
        warehouse,
        """
        select count(*) from marts.mart_municipality_benchmark as b
        join marts.dim_municipality_2025 as d using (nis_code)
        where b.wave_id = 'w2_2025' and d.belfius_cluster_code is null and b.cluster_pct is not null""",
    )
    assert without == [(0,)]


# --- themes in open answers -----------------------------------------------------------------------------


def test_theme_counts_are_the_listed_answers(warehouse):
    differing = rows(
        warehouse,
        """
        select t.wave_id, t.question_id, t.theme from marts.mart_open_answer_themes t
        full join (select wave_id, question_id, theme, count(*) as n from marts.mart_open_answer_theme_answers
                   group by all) a using (wave_id, question_id, theme)
        where t.n_answers is distinct from a.n""",
    )
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


@pytest.fixture(scope="module", params=WAVES)
def wave_id(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def export_dir(warehouse_db, wave_id) -> Path:
    return warehouse_db.parent / "exports" / wave_id


def test_csv_exports_read_back_as_the_marts(warehouse, export_dir, wave_id):
    results = pd.read_csv(export_dir / "internal" / "question_results.csv")
    mart = warehouse.execute("select * from marts.mart_question_result where wave_id = ?", [wave_id]).df()
    assert len(results) == len(mart) and set(results["wave_id"]) == {wave_id}
    assert results["n_selected"].sum() == mart["n_selected"].sum()
    estimates = pd.read_csv(export_dir / "internal" / "weighted_estimates.csv")
    assert estimates["pct_weighted"].sum() == pytest.approx(
        warehouse.execute(
            "select sum(pct_weighted) from marts.mart_weighted_estimate where wave_id = ?", [wave_id]
        ).fetchone()[0]
    )


def test_workbook_has_a_sheet_per_section_and_a_codebook(warehouse, export_dir, wave_id):
    workbook = openpyxl.load_workbook(export_dir / "internal" / "tables.xlsx", read_only=True)
    sections = {
        r[0]
        for r in rows(
            warehouse,
            "select distinct section from staging.stg_codebook__questions "
            "where wave_id = ? and question_type <> 'number'",
            [wave_id],
        )
    }
    assert set(workbook.sheetnames) == sections | {"codebook"}
    assert ("toekomst" in sections) == (wave_id == "w2_2025")  # the section w2_2025 added
    q7 = pd.read_excel(export_dir / "internal" / "tables.xlsx", sheet_name="beleidskeuzes").query("question_id == 'Q7'")
    assert list(q7["pct"]) == [
        r[0]
        for r in rows(
            warehouse,
            "select pct from marts.mart_question_result where wave_id = ? and question_id = 'Q7' order by choice_code",
            [wave_id],
        )
    ]
    assert q7["pct_weighted"].notna().all()
    codebook = pd.read_excel(export_dir / "internal" / "tables.xlsx", sheet_name="codebook")
    assert set(codebook["wave_id"]) == {wave_id} and set(codebook["question_id"]) == {
        r[0]
        for r in rows(warehouse, "select question_id from staging.stg_codebook__questions where wave_id = ?", [wave_id])
    }


def test_spss_profile_carries_question_texts_and_choice_labels(warehouse, export_dir, wave_id):
    frame, meta = pyreadstat.read_sav(str(export_dir / "internal" / "municipality_profile.sav"))
    assert (
        len(frame)
        == rows(warehouse, "select count(*) from marts.mart_municipality_profile where wave_id = ?", [wave_id])[0][0]
    )
    label = rows(
        warehouse,
        "select label from staging.stg_codebook__questions where wave_id = ? and question_id = 'Q6'",
        [wave_id],
    )[0][0]
    assert meta.column_names_to_labels["q6"] == label
    choices = dict(
        rows(
            warehouse,
            "select choice_code, label from staging.stg_codebook__choices where wave_id = ? and question_id = 'Q6'",
            [wave_id],
        )
    )
    assert {int(k): v for k, v in meta.variable_value_labels["q6"].items()} == choices
    # Q6 was recoded in w2_2025: its "Ja" split into a large and a limited impact.
    assert (choices[1] == "Ja, een grote impact") == (wave_id == "w2_2025")
    assert meta.column_names_to_labels["q7_c1"].endswith(" - Opvang/huisvesting")
    assert meta.variable_value_labels["q7_c1"] == {0: "not chosen", 1: "chosen"}
    # Only the wave's own questions: w1_2023's Q4 was dropped in w2_2025, Q42 is new there.
    columns = set(frame.columns)
    assert ("q4_c1" in columns, "q42" in columns) == ((True, False) if wave_id == "w1_2023" else (False, True))
    parquet = duckdb.sql(
        f"select * from read_parquet('{export_dir / 'internal' / 'municipality_profile.parquet'}')"
    ).df()
    assert len(parquet) == len(frame) and frame["q6"].sum() == parquet["q6"].sum()
    assert list(parquet.columns) == list(frame.columns)


def test_internal_profile_has_every_mart_of_the_wave_and_public_only_aggregates(warehouse, export_dir, wave_id):
    marts = {
        r[0] for r in rows(warehouse, "select table_name from information_schema.tables where table_schema = 'marts'")
    }
    with_wave = {
        r[0]
        for r in rows(
            warehouse,
            "select table_name from information_schema.columns "
            "where table_schema = 'marts' and column_name = 'wave_id'",
        )
    }
    # The marts without wave_id: the dims (and Taskforce series) of the wave's map, the report's figures.
    on_map = {"w1_2023": {"dim_municipality"}, "w2_2025": {"dim_municipality_2025", "mart_taskforce_timeseries"}}[
        wave_id
    ]
    assert marts - with_wave <= {
        "dim_municipality",
        "dim_municipality_2025",
        "mart_taskforce_timeseries",
        "mart_report_figures",
    }
    folder = export_dir / "internal" / "marts"
    assert {p.stem for p in folder.glob("*.parquet")} == with_wave | on_map | {"mart_report_figures"}
    for name in with_wave:
        waves = duckdb.sql(f"select distinct wave_id from read_parquet('{folder / name}.parquet')").fetchall()
        assert waves in ([], [(wave_id,)]), name
    (dim,) = on_map & {"dim_municipality", "dim_municipality_2025"}
    assert len(duckdb.sql(f"select * from read_parquet('{folder / dim}.parquet')").fetchall()) == MAP_SIZE[wave_id]
    public = {p.name for p in (export_dir / "public").iterdir()}
    assert public == {"README.txt", "question_results.csv", "weighted_estimates.csv", "tables.xlsx"}
    for name in ("question_results.csv", "weighted_estimates.csv"):
        assert pd.read_csv(export_dir / "public" / name)["n_answered"].min() >= 5
    assert "SYNTHETIC" in (export_dir / "public" / "README.txt").read_text(encoding="utf-8")


def test_public_suppression_follows_the_analysts_setting(warehouse, warehouse_db, tmp_path):
    write_exports(warehouse_db, tmp_path / "none", min_units=0)
    write_exports(warehouse_db, tmp_path / "five", min_units=5)
    for wave_id in WAVES:
        small = rows(
            warehouse, "select count(*) from marts.mart_question_result where wave_id = ? and n_answered < 5", [wave_id]
        )[0][0]
        unsuppressed = pd.read_csv(tmp_path / "none" / wave_id / "public" / "question_results.csv")
        suppressed = pd.read_csv(tmp_path / "five" / wave_id / "public" / "question_results.csv")
        assert len(unsuppressed) - len(suppressed) == small, wave_id
        assert small > 0 or wave_id != WAVE  # the report wave has small bases to suppress


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


@pytest.mark.parametrize("wave_id", WAVES)
def test_report_tables_equal_the_question_results(warehouse, warehouse_db, wave_id):
    report_path = warehouse_db.parent / "reports" / wave_id / "report.html"
    parser = _Rows()
    parser.feed(report_path.read_text(encoding="utf-8"))
    shown = {
        (r["data-question"], r["data-row"], r["data-choice"]): (
            int(r["data-n-selected"]),
            int(r["data-n-answered"]),
            float(r["data-pct"]) if r["data-pct"] else None,
        )
        for r in parser.rows
    }
    mart = {
        (q, "" if row is None else str(row), str(c)): (n, base, pct)
        for q, row, c, n, base, pct in rows(
            warehouse,
            "select question_id, row_code, choice_code, n_selected, n_answered, pct from marts.mart_question_result "
            "where wave_id = ? and choice_code is not null",
            [wave_id],
        )
    }
    assert shown == mart


def test_report_shows_the_published_figures_the_warehouse_reproduces(warehouse, report_path):
    parser = _Rows()
    parser.feed(report_path.read_text(encoding="utf-8"))
    shown = {
        (r["data-question"], r["data-row"], r["data-choice"]): (int(r["data-n-selected"]), float(r["data-pct"]))
        for r in parser.rows
    }
    # Published figures of one choice of one question (matrix rows included) that the warehouse reproduces.
    figures = rows(
        warehouse,
        """
        select d.question_id, coalesce(cast(d.row_code as varchar), ''), cast(d.codes[1] as varchar),
               f.count, f.pct
        from marts.mart_report_figures as f
        join intermediate.int_report_figure_definitions as d using (figure_id)
        where f.matches_report and d.rule_source = 'question' and len(d.codes) = 1
          and coalesce(d.min_codes, 1) = 1 and d.statistic = 'units_choosing' and d.defined_by = 'codebook'
          and f.pct_printed is not null""",
    )
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


SIZE_CLASSES = ["< 10.000", "10.000 - 20.000", "20.000 - 30.000", "30.000 - 50.000", "> 50.000"]


@pytest.mark.parametrize("wave_id", WAVES)
def test_report_coverage_shows_size_classes_in_order_and_belfius_types_by_their_dutch_label(warehouse_db, wave_id):
    text = (warehouse_db.parent / "reports" / wave_id / "report.html").read_text(encoding="utf-8")
    shown = [
        (dimension, html.unescape(value), html.unescape(label))
        for dimension, value, label in re.findall(
            r'<tr data-dimension="(\w+)" data-value="([^"]*)"[^>]*><td>([^<]*)</td>', text
        )
    ]
    assert [value for dimension, value, _ in shown if dimension == "size_class"] == SIZE_CLASSES
    types = pd.read_csv(REFERENCE_DIR / "belfius_typology_2019_2024.csv", dtype=str)
    labels = dict(zip(types["type_code"], types["type_label_nl"]))
    belfius = [(value, label) for dimension, value, label in shown if dimension == "belfius_type"]
    # In the typology's order (clusters V1–V16); on the 2025 map the types merged municipalities lack, last.
    first_cluster = types.assign(n=types["cluster_code"].str[1:].astype(int)).groupby("type_code")["n"].min()
    assert [value for value, _ in belfius if value] == sorted(labels, key=first_cluster.get)
    assert all(label == labels[value] for value, label in belfius if value)
    assert (belfius[-1] == ("", "none")) == (wave_id == "w2_2025")


def test_report_tables_have_a_row_column_only_for_matrix_questions(report_path):
    tables = re.findall(
        r'<table class=question data-question="([^"]+)"><tr>(.*?)</tr>(.*?)</table>',
        report_path.read_text(encoding="utf-8"),
    )
    matrix = {question for question, _, body in tables if re.search(r'data-row="[^"]', body)}
    assert matrix and len(tables) > len(matrix)
    for question, header, body in tables:
        assert ("<th>Row</th>" in header) == (question in matrix), question
        columns = header.count("<th>")
        assert all(row.count("<td") == columns for row in body.split("</tr>")[:-1]), question


def test_a_report_rewritten_from_unchanged_marts_reuses_every_drawn_chart(warehouse_db, tmp_path, monkeypatch):
    from orchestration.deliverables import report

    root = tmp_path / "reports"
    shutil.copytree(warehouse_db.parent / "reports", root)  # as the session's run left them, cache included
    before = {path.relative_to(root): path.read_bytes() for path in root.rglob("*") if path.is_file()}
    drawn = []
    monkeypatch.setattr(report, "bar_chart", lambda *inputs: drawn.append(inputs) or pytest.fail("drew a chart"))
    report.write_reports(warehouse_db, root)
    after = {path.relative_to(root): path.read_bytes() for path in root.rglob("*") if path.is_file()}
    assert drawn == [] and after == before
    charts = [path for path in before if path.parts[1:2] == ("charts",)]
    assert len(charts) > 40 and len(list((root / ".chart_cache").iterdir())) == len(charts)


def test_a_changed_chart_is_drawn_again_and_stale_drawings_are_removed(tmp_path):
    from orchestration.deliverables.report import ChartCache

    inputs = ("Q7 (n = 12)", ["Ja", "Nee"], [25.0, 75.0], [(None, None, None)] * 2)
    cache = ChartCache(tmp_path)
    png, svg = cache.draw(*inputs)
    assert png[:4] == b"\x89PNG" and b"<svg" in svg
    assert cache.draw(*inputs) == (png, svg)  # from the cache
    changed = ChartCache(tmp_path)
    changed_png, _ = changed.draw(inputs[0], inputs[1], [30.0, 70.0], inputs[3])
    assert changed_png != png
    changed.forget_unused()
    assert len(list(tmp_path.iterdir())) == 2  # the new chart's PNG and SVG only


def test_charts_drawn_side_by_side_are_the_bytes_drawn_one_by_one(tmp_path, monkeypatch):
    from orchestration.deliverables import report

    charts = [
        (
            f"Q{number} (n = 40)",
            ["Ja", "Nee", "Weet niet"],
            [number * 3.0, 50.0, 10.0],
            [(number * 3.0 + 1, number * 3.0 - 2, number * 3.0 + 4), (None, None, None), (11.0, 8.0, 14.0)],
        )
        for number in range(1, 10)
    ]
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: charts are drawn one by one")
    assert report.drawing_processes(len(charts)) is not None
    side_by_side = report.ChartCache(tmp_path / "side_by_side")
    side_by_side.draw_all(charts)
    monkeypatch.setattr(report, "drawing_processes", lambda charts: None)
    one_by_one = report.ChartCache(tmp_path / "one_by_one")
    one_by_one.draw_all(charts)
    drawn = {path.name: path.read_bytes() for path in (tmp_path / "one_by_one").iterdir()}
    assert len(drawn) == 2 * len(charts)
    assert {path.name: path.read_bytes() for path in (tmp_path / "side_by_side").iterdir()} == drawn


def test_follow_up_report_has_its_own_questions_labels_and_map(warehouse_db):
    folder = warehouse_db.parent / "reports" / "w2_2025"
    text = (folder / "report.html").read_text(encoding="utf-8")
    charts = {p.stem for p in (folder / "charts").glob("*.png")}
    assert "Q42" in charts and "Q4" not in charts  # added in w2_2025; dropped from w1_2023
    assert "Ja, een grote impact" in text and "SYNTHETIC" in text
    assert re.search(r"\d+ of 285 municipalities responded", text)
    # The 2025 map: merged municipalities whose former ones had different Belfius types have none.
    assert 'data-dimension="belfius_type" data-value=""' in text and "did not share one value" in text


def test_report_shows_the_change_since_the_compared_wave_from_the_trend_mart(warehouse, warehouse_db):
    # w2_2025 continues questions of w1_2023 (Q6 recoded, Q19 continues Q25): its report shows each change.
    text = (warehouse_db.parent / "reports" / "w2_2025" / "report.html").read_text(encoding="utf-8")
    assert 'class="no-trend"' not in text and "w1_2023" in text
    shown = re.findall(r'<tr data-question="([^"]+)" data-choice="([^"]*)" data-change="([^"]*)"', text)
    trend = rows(
        warehouse,
        "select question_id, cast(choice_code as varchar), coalesce(cast(pct_point_change as varchar), '') "
        "from marts.mart_question_trend where wave_id = 'w2_2025' order by question_id, row_code, choice_code",
    )
    assert len(trend) > 20 and sorted(shown) == sorted(trend)
    assert {"Q6", "Q19", "Q21"} <= {question for question, _, _ in shown}
    assert not {"Q42", "Q43"} & {question for question, _, _ in shown}  # new questions have nothing to compare


@pytest.mark.needs_chromium
def test_report_renders_in_headless_chromium_with_charts_and_no_console_errors(report_path, tmp_path):
    result = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            report_path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
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
        [
            str(cli),
            "-readonly",
            "-csv",
            str(warehouse_db),
            "-c",
            "select count(*) from marts.mart_weighted_estimate; select count(*) from staging.stg_qualtrics__responses",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    counts = [int(line) for line in result.stdout.split() if line.isdigit()]
    with duckdb.connect(str(warehouse_db), read_only=True) as connection:
        assert counts == [
            connection.execute("select count(*) from marts.mart_weighted_estimate").fetchone()[0],
            connection.execute("select count(*) from staging.stg_qualtrics__responses").fetchone()[0],
        ]


def test_make_docs_writes_one_static_page(warehouse_db, tmp_path):
    from orchestration.deliverables.docs_site import write_docs_site

    # The session's build is `make run`'s: its files for people do not include the docs page (README).
    assert {path.name for path in warehouse_db.parent.iterdir()} >= {"exports", "reports"}
    assert not (warehouse_db.parent / "dbt_docs.html").exists()
    page = write_docs_site(warehouse_db, tmp_path / "dbt_docs.html")
    text = page.read_text(encoding="utf-8")
    assert "mart_weighted_estimate" in text and "<html" in text.lower()
