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
import io
import multiprocessing
import os
import shutil
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window
matplotlib.rcParams["svg.hashsalt"] = "warehouse-report"  # SVG ids from the content: the same chart, the same bytes
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from orchestration.backends.duckdb_io import connect  # noqa: E402
from orchestration.deliverables.exports import ESTIMATES_SQL, QUESTION_RESULTS_SQL, is_synthetic, wave_ids  # noqa: E402
from orchestration.deliverables.pages import render_page  # noqa: E402
from orchestration.deliverables.small_bases import SmallBaseRule, small_base_rule  # noqa: E402

# A drawing process pays off from a few charts on (it starts in ~0.1 s, drawing a chart takes ~0.2 s).
MIN_CHARTS_PER_PROCESS = 4
COVERAGE_LABELS = {"province": "Province", "size_class": "Size class (inhabitants)", "belfius_type": "Belfius type"}
TASKFORCE_FIELDS = [
    ("n_municipalities_with_count", "Responding municipalities with a Taskforce count"),
    ("persons_total", "Persons received (total)"),
    ("minors_total", "Of whom minors"),
    ("minors_share_pct", "Share of minors (%)"),
    ("persons_min", "Fewest persons in one municipality"),
    ("persons_max", "Most persons in one municipality"),
    ("persons_median", "Median persons per municipality"),
    ("per_1000_median", "Median persons per 1 000 inhabitants"),
    ("per_1000_max", "Highest per 1 000 inhabitants"),
]


def write_reports(
    db_path: str | Path, root: str | Path, waves: list[str] | None = None, *, min_units: int | None = None
) -> list[Path]:
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
        # Its own files only: other pages live beside it (the municipality scans, the fieldwork monitor).
        (folder / "report.html").unlink(missing_ok=True)
        shutil.rmtree(folder / "charts", ignore_errors=True)
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
    return bool(
        connection.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
        ).fetchone()[0]
    )


def trend_rows(connection, wave_id: str) -> pd.DataFrame | None:
    """This wave's rows of marts.mart_question_trend (contract §4), or None when there is no compared wave."""
    if not _table_exists(connection, "marts", "mart_question_trend"):
        return None
    rows = connection.execute(
        "select question_id, row_code, choice_code, choice_label, n_answered, pct, compared_wave_id, "
        "compared_question_id, compared_n_answered, compared_pct, pct_point_change "
        "from marts.mart_question_trend where wave_id = ? order by question_id, row_code, choice_code",
        [wave_id],
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
        axes.text(
            1 if inside else (value or 0) + 1,
            position,
            f"{value:.1f}" if value is not None else "–",
            va="center",
            ha="left",
            fontsize=8,
            color="white" if inside else "#1d2430",
        )
    if weighted and any(w[0] is not None for w in weighted):
        points = [(p, w) for p, w in zip(positions, weighted) if w[0] is not None]
        axes.errorbar(
            [w[0] for _, w in points],
            [p for p, _ in points],
            xerr=[[w[0] - w[1] for _, w in points], [w[2] - w[0] for _, w in points]],
            fmt="D",
            color="#d9822b",
            markersize=4,
            capsize=3,
            label="weighted estimate, 95 % interval",
        )
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
        wave_id=wave_id,
        title=title[0] if title and title[0] else wave_id,
        synthetic=is_synthetic(connection, wave_id),
        merged=merged,
        charts=question_charts(merged, rule),
        coverage=connection.execute(
            "select dimension, dimension_value, dimension_label, n_municipalities, n_responding, n_questionnaires, "
            "pct_responding from marts.mart_response_coverage where wave_id = ? order by dimension, dimension_position",
            [wave_id],
        ).df(),
        taskforce=connection.execute("select * from marts.mart_taskforce_summary where wave_id = ?", [wave_id]).df(),
        trend=trend_rows(connection, wave_id),
        rule=rule,
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
            f"{question_id} (n = {first.n_answered})",
            list(rows["choice_label"]),
            [None if pd.isna(v) else float(v) for v in rows["pct"]],
            [
                (
                    None if pd.isna(w) else float(w),
                    None if pd.isna(lo) else float(lo),
                    None if pd.isna(hi) else float(hi),
                )
                for w, lo, hi in zip(rows["pct_weighted"], rows["ci_lower"], rows["ci_upper"])
            ],
        )
    return charts


def write_wave_report(wave: WaveData, folder: Path, charts: ChartCache) -> list[Path]:
    """The wave's report.html (templates/report.html.j2) and its charts as PNG and SVG in `charts/`."""
    charts_dir = folder / "charts"
    charts_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    drawn: dict[str, str] = {}  # question id -> its SVG, base64, inlined in the page
    for question_id in dict.fromkeys(wave.merged["question_id"]):
        if question_id in wave.charts:
            png_bytes, svg_bytes = charts.draw(*wave.charts[question_id])
            for suffix, content in (("png", png_bytes), ("svg", svg_bytes)):
                path = charts_dir / f"{question_id}.{suffix}"
                path.write_bytes(content)
                written.append(path)
            drawn[question_id] = base64.b64encode(svg_bytes).decode("ascii")
    report = folder / "report.html"
    report.write_text(render_page("report.html.j2", **report_context(wave, drawn)), encoding="utf-8")
    return [report] + written


def report_context(wave: WaveData, drawn: dict[str, str]) -> dict:
    """What the report template shows, in its order: coverage, Taskforce, questions by section, trend."""
    coverage, merged = wave.coverage, wave.merged
    total = coverage[coverage["dimension"] == "all"]
    dimensions = []
    for name, label in COVERAGE_LABELS.items():
        rows = coverage[coverage["dimension"] == name]
        dimensions.append(
            {
                "name": name,
                "label": label,
                "has_none": bool(rows["dimension_value"].isna().any()),
                "rows": [
                    r._asdict() | {"dimension_value": None if pd.isna(r.dimension_value) else r.dimension_value}
                    for r in rows.itertuples()
                ],
            }
        )
    taskforce = None
    if not wave.taskforce.empty:
        row = wave.taskforce.iloc[0]
        taskforce = {
            "reference_date": pd.Timestamp(row["population_reference_date"]).date(),
            "fields": [
                (label, round(float(row[field]), 2) if pd.notna(row[field]) else None)
                for field, label in TASKFORCE_FIELDS
                if field in row.index
            ],
        }
    sections = [
        {
            "name": section,
            "questions": [
                question_view(merged[merged["question_id"] == question_id], wave.rule, drawn.get(question_id))
                for question_id in dict.fromkeys(merged.loc[merged["section"] == section, "question_id"])
            ],
        }
        for section in dict.fromkeys(merged["section"])
    ]
    trend = None
    if wave.trend is not None:
        units = dict(zip(merged["question_id"], merged["unit"]))
        trend = [
            r._asdict()
            | {
                "unit": units.get(r.question_id, "municipality"),
                "shown": wave.rule.shown(r.n_answered) and wave.rule.shown(r.compared_n_answered),
            }
            for r in wave.trend.itertuples()
        ]
    return {
        "wave": wave,
        "rule": wave.rule,
        "total": None if total.empty else total.iloc[0],
        "coverage": dimensions,
        "taskforce": taskforce,
        "sections": sections,
        "trend": trend,
        "charts": drawn,
    }


def question_view(rows: pd.DataFrame, rule: SmallBaseRule, chart: str | None) -> dict:
    """One question of the report: its figures (a table), or why they are not shown, or an open question's n."""
    first = rows.iloc[0]
    is_open = first.choice_code is None or pd.isna(first.choice_code)
    kind = "suppressed" if not any(rule.shown(n) for n in rows["n_answered"]) else "open" if is_open else "table"
    return {
        "id": first.question_id,
        "label": first.question_label,
        "unit": first.unit,
        "kind": kind,
        "open": is_open,
        "n_answered": first.n_answered,
        "chart": chart,
        "matrix": bool(rows["row_code"].notna().any()),  # only a matrix question's table has a Row column
        "rows": [
            r._asdict() | {"interval": "–" if pd.isna(r.ci_lower) else f"{r.ci_lower:.1f} – {r.ci_upper:.1f}"}
            for r in rows.itertuples()
        ],
    }
