"""The wave report: one self-contained HTML file per wave, written from the published warehouse (read-only)
to `<folder of WAREHOUSE_DB_PATH>/reports/<wave_id>/report.html`, its charts also as PNG and SVG in
`charts/` beside it.

Contents: response coverage by province, size class and Belfius type; every closed question with n and %
(mart_question_result, the figures the warehouse reproduces) and its weighted estimate with the 95 %
interval (mart_weighted_estimate); the Taskforce summary; a horizontal bar chart per closed question; and the
change since the compared wave from mart_question_trend when that mart exists and holds the wave.
Every number table row carries data-* attributes so tests can compare it with the marts.
The report leaves the internal folder: a question (or matrix row) answered by fewer units than the
small-base rule allows (`small_bases.py`, EXPORT_MIN_UNITS) is shown with "fewer than N municipalities
answered: not shown" instead of its figures, its chart and its change.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import matplotlib

matplotlib.use("Agg")  # files only, never a window
matplotlib.rcParams["svg.hashsalt"] = "warehouse-report"  # SVG ids from the content: the same chart, the same bytes
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from orchestration.deliverables.exports import ESTIMATES_SQL, QUESTION_RESULTS_SQL, is_synthetic, wave_ids  # noqa: E402
from orchestration.deliverables.small_bases import SmallBaseRule, small_base_rule  # noqa: E402
from orchestration.warehouse_io import connect  # noqa: E402

# A drawing process pays off from a few charts on (it starts in ~0.1 s, drawing a chart takes ~0.2 s).
MIN_CHARTS_PER_PROCESS = 4
COVERAGE_LABELS = {"province": "Province", "size_class": "Size class (inhabitants)", "belfius_type": "Belfius type"}
TASKFORCE_FIELDS = [
    ("n_municipalities_with_count", "Responding municipalities with a Taskforce count"),
    ("persons_total", "Persons received (total)"), ("minors_total", "Of whom minors"),
    ("minors_share_pct", "Share of minors (%)"), ("persons_min", "Fewest persons in one municipality"),
    ("persons_max", "Most persons in one municipality"), ("persons_median", "Median persons per municipality"),
    ("per_1000_median", "Median persons per 1 000 inhabitants"), ("per_1000_max", "Highest per 1 000 inhabitants"),
]
STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1d2430;line-height:1.4}
h1{font-size:1.6rem}h2{border-bottom:2px solid #d0d7e2;padding-bottom:.2rem;margin-top:2.2rem}
h3{font-size:1.05rem;margin-top:1.8rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #d0d7e2;padding:.25rem .5rem;text-align:left}td.num{text-align:right}
th{background:#eef2f8}.banner{background:#fff3cd;border:1px solid #e0b400;padding:.6rem 1rem;font-weight:bold}
figure{margin:.6rem 0}figure img{max-width:100%;height:auto}.note{color:#5a6473;font-size:.85rem}
"""
# Marks the page once every chart image has decoded (a browser test reads it); logs one line so the
# test can tell that console capture works at all.
CHECK_SCRIPT = """
window.addEventListener('load', function () {
  var charts = document.querySelectorAll('figure.chart img');
  var drawn = 0;
  charts.forEach(function (img) { if (img.complete && img.naturalWidth > 0) { drawn += 1; } });
  document.body.setAttribute('data-charts-total', String(charts.length));
  document.body.setAttribute('data-charts-drawn', String(drawn));
  console.log('report ready: ' + drawn + ' of ' + charts.length + ' charts drawn');
});
"""


def write_reports(db_path: str | Path, root: str | Path, waves: list[str] | None = None, *,
                  min_units: int | None = None) -> list[Path]:
    """Every wave's (or the given waves') report; `min_units`: the small-base rule's minimum, EXPORT_MIN_UNITS
    when None (`small_bases.small_base_rule`, the public exports' rule)."""
    rule = small_base_rule(min_units)
    charts = ChartCache(Path(root) / ".chart_cache")
    with connect(db_path, read_only=True) as connection:
        wave_data = [read_wave(connection, wave_id, rule) for wave_id in waves or wave_ids(connection)]
    charts.draw_all(chart for wave in wave_data for chart in wave.charts.values())
    written: list[Path] = []
    for wave in wave_data:
        folder = Path(root) / wave.wave_id
        shutil.rmtree(folder, ignore_errors=True)
        written += write_wave_report(wave, folder, charts)
    if waves is None:
        charts.forget_unused()
    return written


def render_chart(chart_inputs: tuple) -> tuple[bytes, bytes]:
    """PNG and SVG of `bar_chart(*chart_inputs)`."""
    figure = bar_chart(*chart_inputs)
    png, svg = io.BytesIO(), io.BytesIO()
    figure.savefig(png, format="png", dpi=110)
    figure.savefig(svg, format="svg", metadata={"Date": None})  # the same chart, the same bytes
    plt.close(figure)
    return png.getvalue(), svg.getvalue()


def drawing_processes(charts: int) -> ProcessPoolExecutor | None:
    """Processes that draw `charts` charts side by side, one per core, or None when too few charts pay for
    them. Forked from a clean server process that has imported this module once (not from this process,
    whose threads, DuckDB's and BLAS's, a fork would copy in whatever state they are)."""
    processes = min(len(os.sched_getaffinity(0)), charts // MIN_CHARTS_PER_PROCESS)
    if processes < 2:
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return ProcessPoolExecutor(processes, mp_context=context)


class ChartCache:
    """Drawn charts kept by what they show: a refresh whose figures did not change reuses the last run's
    drawings (drawing is most of a report's cost, ~0.3 s a chart) instead of drawing every chart again.
    The key covers the chart's inputs and the drawing code, so a changed chart is always drawn anew."""

    def __init__(self, folder: Path):
        self.folder, self.used = folder, set()
        # The drawing code in the key: this module's source and matplotlib's version (read per report run,
        # not at import).
        self.code = Path(__file__).read_bytes() + matplotlib.__version__.encode()
        folder.mkdir(parents=True, exist_ok=True)

    def _paths(self, chart_inputs: tuple) -> tuple[Path, Path]:
        key = hashlib.sha256(self.code + repr(chart_inputs).encode()).hexdigest()
        self.used.add(key)
        return self.folder / f"{key}.png", self.folder / f"{key}.svg"

    def draw_all(self, charts: Iterable[tuple]) -> None:
        """Draws the charts not in the cache, side by side when there are enough (`drawing_processes`)."""
        missing = {self._paths(inputs): inputs for inputs in charts}
        missing = {paths: inputs for paths, inputs in missing.items() if not all(path.exists() for path in paths)}
        pool = drawing_processes(len(missing))
        if pool is None:
            drawings = [render_chart(inputs) for inputs in missing.values()]
        else:
            with pool:
                drawings = list(pool.map(render_chart, missing.values()))
        for paths, drawing in zip(missing, drawings):
            for path, content in zip(paths, drawing):
                partial = path.with_suffix(".partial")
                partial.write_bytes(content)
                partial.replace(path)  # a reader never finds half a file

    def draw(self, *chart_inputs) -> tuple[bytes, bytes]:
        """PNG and SVG of `bar_chart(*chart_inputs)`, from the cache (drawn first when not there)."""
        self.draw_all([chart_inputs])
        return tuple(path.read_bytes() for path in self._paths(chart_inputs))

    def forget_unused(self) -> None:
        """Drawings no report of this run used: removed, so the cache holds one run's charts."""
        for path in self.folder.iterdir():
            if path.stem not in self.used:
                path.unlink(missing_ok=True)


def _table_exists(connection, schema: str, name: str) -> bool:
    return bool(connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
    ).fetchone()[0])


def trend_rows(connection, wave_id: str) -> pd.DataFrame | None:
    """This wave's rows of marts.mart_question_trend (contract §4), or None when there is no compared wave."""
    if not _table_exists(connection, "marts", "mart_question_trend"):
        return None
    rows = connection.execute(
        "select question_id, row_code, choice_code, choice_label, n_answered, pct, compared_wave_id, "
        "compared_question_id, compared_n_answered, compared_pct, pct_point_change "
        "from marts.mart_question_trend where wave_id = ? order by question_id, row_code, choice_code", [wave_id]
    ).df()
    return rows if not rows.empty else None


def bar_chart(title: str, labels: list[str], pct: list[float], weighted: list[tuple] | None) -> plt.Figure:
    """Horizontal bars of the unweighted %, the weighted estimate and its 95 % interval as a marker."""
    height = 0.45 * len(labels) + 1.2
    figure, axes = plt.subplots(figsize=(8, height))
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, [value or 0 for value in pct], color="#3c6fb0", label="% of responding municipalities")
    for position, value in zip(positions, pct):
        # Inside the bar's base, so the interval markers near its end stay readable.
        inside = (value or 0) >= 12
        axes.text(1 if inside else (value or 0) + 1, position, f"{value:.1f}" if value is not None else "–",
                  va="center", ha="left", fontsize=8, color="white" if inside else "#1d2430")
    if weighted and any(w[0] is not None for w in weighted):
        points = [(p, w) for p, w in zip(positions, weighted) if w[0] is not None]
        axes.errorbar([w[0] for _, w in points], [p for p, _ in points],
                      xerr=[[w[0] - w[1] for _, w in points], [w[2] - w[0] for _, w in points]],
                      fmt="D", color="#d9822b", markersize=4, capsize=3, label="weighted estimate, 95 % interval")
        axes.legend(loc="lower right", fontsize=7, frameon=False)
    axes.set_yticks(positions, [_wrap(label) for label in labels], fontsize=8)
    axes.set_xlim(0, 105)
    axes.set_xlabel("%")
    axes.set_title(title, fontsize=9, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def _wrap(text: str, width: int = 45) -> str:
    words, lines, line = str(text).split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])


def _num(value, decimals: int | None = None) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "–"
    if decimals is not None:
        return f"{float(value):.{decimals}f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return html.escape(str(value))


def _attr(value) -> str:
    return "" if value is None or pd.isna(value) else html.escape(str(value))


@dataclass(frozen=True)
class WaveData:
    """What a wave's report shows, read from the published warehouse."""
    wave_id: str
    title: str
    synthetic: bool
    merged: pd.DataFrame  # question results with their weighted estimates
    charts: dict[str, tuple]  # `bar_chart`'s inputs per charted question (`question_charts`)
    coverage: pd.DataFrame
    taskforce: pd.DataFrame
    trend: pd.DataFrame | None
    rule: SmallBaseRule  # which figures are shown


def read_wave(connection, wave_id: str, rule: SmallBaseRule) -> WaveData:
    results = connection.execute(QUESTION_RESULTS_SQL, [wave_id]).df()
    estimates = connection.execute(ESTIMATES_SQL, [wave_id]).df()
    keys = ["question_id", "row_code", "choice_code"]
    title = connection.execute("select title from marts.mart_wave_loads where wave_id = ?", [wave_id]).fetchone()
    merged = results.merge(estimates[keys + ["pct_weighted", "ci_lower", "ci_upper"]], on=keys, how="left")
    return WaveData(
        wave_id=wave_id, title=title[0] if title and title[0] else wave_id,
        synthetic=is_synthetic(connection, wave_id), merged=merged, charts=question_charts(merged, rule),
        coverage=connection.execute(
            "select dimension, dimension_value, dimension_label, n_municipalities, n_responding, n_questionnaires, "
            "pct_responding from marts.mart_response_coverage where wave_id = ? order by dimension, dimension_position",
            [wave_id]).df(),
        taskforce=connection.execute("select * from marts.mart_taskforce_summary where wave_id = ?", [wave_id]).df(),
        trend=trend_rows(connection, wave_id), rule=rule,
    )


def question_charts(merged: pd.DataFrame, rule: SmallBaseRule) -> dict[str, tuple]:
    """`bar_chart`'s inputs per closed question without rows (a matrix question gets its table only) whose
    base the small-base rule lets the report show."""
    charts = {}
    for question_id, rows in merged.groupby("question_id", sort=False):
        first = rows.iloc[0]
        if first.choice_code is None or pd.isna(first.choice_code) or not rows["row_code"].isna().all():
            continue
        rows = rows[[rule.shown(n) for n in rows["n_answered"]]]
        if rows.empty:
            continue
        first = rows.iloc[0]
        charts[question_id] = (
            f"{question_id} (n = {first.n_answered})", list(rows["choice_label"]),
            [None if pd.isna(v) else float(v) for v in rows["pct"]],
            [(None if pd.isna(w) else float(w), None if pd.isna(lo) else float(lo), None if pd.isna(hi) else float(hi))
             for w, lo, hi in zip(rows["pct_weighted"], rows["ci_lower"], rows["ci_upper"])])
    return charts


def write_wave_report(wave: WaveData, folder: Path, charts: ChartCache) -> list[Path]:
    charts_dir = folder / "charts"
    charts_dir.mkdir(parents=True, exist_ok=True)
    wave_id, merged, coverage, taskforce, trend = wave.wave_id, wave.merged, wave.coverage, wave.taskforce, wave.trend
    written: list[Path] = []

    parts = [f"<h1>{html.escape(wave.title)} — wave {html.escape(wave_id)}</h1>"]
    if wave.synthetic:
        parts.append('<p class="banner">SYNTHETIC DATA — built from the bundled synthetic sample, '
                     "not from real survey answers.</p>")
    parts.append('<p class="note">Written from the published warehouse. Unweighted shares are those of '
                 "marts.mart_question_result; weighted estimates and intervals come from marts.mart_weighted_estimate "
                 "(raking to all municipalities on the wave's map).</p>")
    rule = wave.rule
    parts.append(f'<p class="note small-bases" data-min-units="{rule.min_units}">'
                 + (f"Questions and rows answered by fewer than {rule.min_units} units (municipalities; respondents "
                    "for a question about respondents) are not shown (EXPORT_MIN_UNITS).</p>" if rule.suppresses else
                    "Every question is shown, whatever the number of units that answered (EXPORT_MIN_UNITS=0).</p>"))

    parts.append("<h2>Response coverage</h2>")
    total = coverage[coverage["dimension"] == "all"]
    if not total.empty:
        row = total.iloc[0]
        parts.append(f"<p>{int(row.n_responding)} of {int(row.n_municipalities)} municipalities responded "
                     f"({_num(row.pct_responding, 1)} %), with {int(row.n_questionnaires)} valid questionnaires.</p>")
    for dimension, label in COVERAGE_LABELS.items():
        rows = coverage[coverage["dimension"] == dimension]
        body = "".join(
            f'<tr data-dimension="{dimension}" data-value="{_attr(r.dimension_value)}" data-n-responding="{r.n_responding}">'
            f"<td>{_num(r.dimension_label) if pd.notna(r.dimension_value) else 'none'}</td>"
            f"<td class=num>{r.n_municipalities}</td><td class=num>{r.n_responding}</td>"
            f"<td class=num>{_num(r.pct_responding, 1)}</td><td class=num>{_num(r.n_questionnaires)}</td></tr>"
            for r in rows.itertuples())
        parts.append(f"<h3>By {label.lower()}</h3><table class=coverage><tr><th>{label}</th><th>Municipalities</th>"
                     f"<th>Responding</th><th>%</th><th>Questionnaires</th></tr>{body}</table>")
        if rows["dimension_value"].isna().any():
            # On the 2025 map: merged municipalities whose predecessors had different values.
            parts.append(f'<p class="note">{label} "none": merged municipalities whose former municipalities '
                         "did not share one value.</p>")

    parts.append("<h2>Taskforce Oekraïne</h2>")
    if taskforce.empty:
        parts.append("<p>No Taskforce counts for this wave.</p>")
    else:
        row = taskforce.iloc[0]
        body = "".join(f"<tr><td>{label}</td><td class=num>{_num(round(float(row[field]), 2) if pd.notna(row[field]) else None)}</td></tr>"
                       for field, label in TASKFORCE_FIELDS if field in row.index)
        parts.append(f"<table class=taskforce>{body}</table>"
                     f'<p class="note">Population reference date: {pd.Timestamp(row["population_reference_date"]).date()}.</p>')

    parts.append("<h2>Questions</h2>")
    chart_count = 0
    for section in dict.fromkeys(merged["section"]):
        parts.append(f"<h2>Section: {html.escape(str(section))}</h2>")
        for question_id in dict.fromkeys(merged.loc[merged["section"] == section, "question_id"]):
            rows = merged[merged["question_id"] == question_id]
            first = rows.iloc[0]
            parts.append(f"<h3>{html.escape(question_id)}. {html.escape(first.question_label)}</h3>")
            suppressed = f'<span class="suppressed">{html.escape(rule.note(first.unit))}</span>'
            if not any(rule.shown(n) for n in rows["n_answered"]):
                parts.append(f'<p class="suppressed" data-question="{question_id}">'
                             f"{'Open question: ' if pd.isna(first.choice_code) else ''}{suppressed}.</p>")
                continue
            if first.choice_code is None or pd.isna(first.choice_code):
                parts.append(f'<p data-question="{question_id}" data-n-answered="{first.n_answered}">Open question: '
                             f"answered by {first.n_answered} (unit: {html.escape(first.unit)}; texts in the internal exports).</p>")
                continue
            matrix = rows["row_code"].notna().any()  # only a matrix question's table has a Row column
            body = "".join(
                f'<tr data-question="{question_id}" data-row="{_attr(r.row_code)}" data-choice="{_attr(r.choice_code)}" '
                f'data-n-selected="{r.n_selected}" data-n-answered="{r.n_answered}" data-pct="{_attr(r.pct)}">'
                f"{f'<td>{_num(r.row_label)}</td>' if matrix else ''}<td>{_num(r.choice_label)}</td>"
                f"<td class=num>{r.n_selected}</td><td class=num>{r.n_answered}</td><td class=num>{_num(r.pct, 1)}</td>"
                f"<td class=num>{_num(r.pct_weighted, 1)}</td>"
                f"<td class=num>{'–' if pd.isna(r.ci_lower) else f'{r.ci_lower:.1f} – {r.ci_upper:.1f}'}</td></tr>"
                if rule.shown(r.n_answered) else
                # a matrix row with a small base among rows that may be shown: the row, without its figures
                f'<tr class="suppressed" data-question="{question_id}" data-row="{_attr(r.row_code)}" '
                f'data-choice="{_attr(r.choice_code)}">'
                f"{f'<td>{_num(r.row_label)}</td>' if matrix else ''}<td>{_num(r.choice_label)}</td>"
                f"<td colspan=5>{suppressed}</td></tr>"
                for r in rows.itertuples())
            parts.append(f'<table class=question data-question="{question_id}"><tr>{"<th>Row</th>" if matrix else ""}'
                         f"<th>Choice</th><th>n</th><th>Base</th><th>%</th><th>Weighted %</th><th>95 % interval</th>"
                         f"</tr>{body}</table>"
                         f'<p class="note">Unit: {html.escape(first.unit)}.</p>')
            if question_id in wave.charts:
                png_bytes, svg_bytes = charts.draw(*wave.charts[question_id])
                png, svg = charts_dir / f"{question_id}.png", charts_dir / f"{question_id}.svg"
                png.write_bytes(png_bytes)
                svg.write_bytes(svg_bytes)
                written += [png, svg]
                chart_count += 1
                encoded = base64.b64encode(svg_bytes).decode("ascii")
                parts.append(f'<figure class="chart" data-question="{question_id}"><img alt="Chart of {question_id}" '
                             f'src="data:image/svg+xml;base64,{encoded}"></figure>')

    parts.append("<h2>Change since the compared wave</h2>")
    if trend is None:
        parts.append('<p class="no-trend">There is no compared wave for this wave: no question of it continues a '
                     "question of an earlier wave.</p>")
    else:
        units = dict(zip(merged["question_id"], merged["unit"]))
        body = "".join(
            f'<tr data-question="{r.question_id}" data-choice="{_attr(r.choice_code)}" data-change="{_attr(r.pct_point_change)}">'
            f"<td>{html.escape(r.question_id)}</td><td>{_num(r.row_code)}</td><td>{_num(r.choice_label)}</td>"
            f"<td>{html.escape(str(r.compared_wave_id))} {html.escape(str(r.compared_question_id))}</td>"
            f"<td class=num>{_num(r.compared_pct, 1)}</td><td class=num>{_num(r.pct, 1)}</td>"
            f"<td class=num>{_num(r.pct_point_change, 1)}</td></tr>"
            if rule.shown(r.n_answered) and rule.shown(r.compared_n_answered) else
            # either wave's base is small: the change would show it
            f'<tr class="suppressed" data-question="{r.question_id}" data-choice="{_attr(r.choice_code)}">'
            f"<td>{html.escape(r.question_id)}</td><td>{_num(r.row_code)}</td><td>{_num(r.choice_label)}</td>"
            f"<td>{html.escape(str(r.compared_wave_id))} {html.escape(str(r.compared_question_id))}</td>"
            f'<td colspan=3><span class="suppressed">{html.escape(rule.note(units.get(r.question_id, "municipality")))}'
            "</span></td></tr>" for r in trend.itertuples())
        parts.append("<table class=trend><tr><th>Question</th><th>Row</th><th>Choice</th><th>Compared with</th>"
                     f"<th>% then</th><th>% now</th><th>Change (points)</th></tr>{body}</table>")

    document = (f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Report {html.escape(wave_id)}</title>'
                f"<style>{STYLE}</style></head><body data-wave=\"{html.escape(wave_id)}\" data-charts-expected=\"{chart_count}\">"
                + "\n".join(parts) + f"<script>{CHECK_SCRIPT}</script></body></html>")
    report = folder / "report.html"
    report.write_text(document, encoding="utf-8")
    return [report] + written
