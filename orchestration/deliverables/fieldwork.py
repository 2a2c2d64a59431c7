"""The fieldwork monitor's page (contract §5.3), next to each wave's report: `reports/<wave_id>/fieldwork.html`
and the reminder list as `reports/<wave_id>/reminders.csv`, written from the published warehouse (read-only).

What the people running a wave look at every morning: coverage by day (the curve of
marts.mart_fieldwork_progress), coverage by province, size class and Belfius cluster (the wave's map in
marts.dim_municipality / dim_municipality_2025 against marts.mart_fieldwork_nonresponse), and the
municipalities still missing with whether they answered the previous wave — the reminder list. The page is
rendered by Jinja2 (templates/fieldwork.html.j2 with the report's style sheet, through `pages.render_page`),
its chart an inline SVG drawn from the numbers (no
image files, the same numbers give the same bytes). Every number row carries data-* attributes, so tests
compare it with the marts. The CSV's text cells go through `text_cells.as_text`.
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass
from pathlib import Path

from orchestration.backends.duckdb_io import connect
from orchestration.deliverables.exports import is_synthetic, wave_ids
from orchestration.deliverables.pages import render_page
from orchestration.deliverables.text_cells import as_text

PAGE_NAME, REMINDERS_NAME = "fieldwork.html", "reminders.csv"
DIMENSIONS = (
    ("province_name_nl", "Province", "province"),
    ("size_class", "Size class (inhabitants)", "size class"),
    ("belfius_cluster_code", "Belfius cluster", "Belfius cluster"),
)  # (column, header, heading)
REMINDER_COLUMNS = [
    "nis_code",
    "name_nl",
    "province_name_nl",
    "size_class",
    "belfius_cluster_code",
    "is_centrumstad",
    "answered_previous_wave",
]
DIM_OF_MAP = {"2019-2024": "marts.dim_municipality", "2025": "marts.dim_municipality_2025"}
CHART_WIDTH, CHART_HEIGHT, MARGIN = 640, 260, 40


@dataclass(frozen=True)
class Monitor:
    wave_id: str
    title: str
    municipality_map: str
    synthetic: bool
    days: list[dict]
    missing: list[dict]
    groups: dict[str, list[dict]]

    @property
    def last(self) -> dict | None:
        return self.days[-1] if self.days else None


def read_monitor(connection, wave_id: str) -> Monitor:
    """The wave's monitor from the marts."""
    title, municipality_map = connection.execute(
        "select title, municipality_map from marts.mart_wave_loads where wave_id = ?", [wave_id]
    ).fetchone()
    days = _dicts(
        connection.execute(
            "select day, responses_recorded, valid_responses, municipalities_covered, municipalities_on_map, coverage_pct "
            "from marts.mart_fieldwork_progress where wave_id = ? order by day",
            [wave_id],
        )
    )
    missing = _dicts(
        connection.execute(
            f"select {', '.join(REMINDER_COLUMNS)} from marts.mart_fieldwork_nonresponse where wave_id = ? "
            "order by province_name_nl, name_nl, nis_code",
            [wave_id],
        )
    )
    missing_codes = {row["nis_code"] for row in missing}
    municipalities = _dicts(
        connection.execute(
            f"select nis_code, province_name_nl, size_class, belfius_cluster_code from {DIM_OF_MAP[municipality_map]}"
        )
    )
    groups = {}
    for column, _, _ in DIMENSIONS:
        counts: dict[str, list[int]] = {}
        for municipality in municipalities:
            value = municipality[column] or "(unknown)"
            counts.setdefault(value, [0, 0])
            counts[value][0] += 1
            counts[value][1] += municipality["nis_code"] not in missing_codes
        groups[column] = [
            {"value": value, "on_map": on_map, "covered": covered, "coverage_pct": _pct_half_up(covered, on_map)}
            for value, (on_map, covered) in sorted(counts.items(), key=lambda item: _order(column, item[0]))
        ]
    return Monitor(
        wave_id, title or wave_id, municipality_map, is_synthetic(connection, wave_id), days, missing, groups
    )


def write_fieldwork_pages(db_path: str | Path, root: str | Path, waves: list[str] | None = None) -> list[Path]:
    """Every wave's (or the given waves') page and reminder list; returns the files written."""
    written = []
    with connect(db_path, read_only=True) as connection:
        for wave_id in waves or wave_ids(connection):
            monitor = read_monitor(connection, wave_id)
            folder = Path(root) / wave_id
            folder.mkdir(parents=True, exist_ok=True)
            page = folder / PAGE_NAME
            page.write_text(
                render_page(
                    "fieldwork.html.j2",
                    monitor=monitor,
                    chart=coverage_chart(monitor.days),
                    dimensions=DIMENSIONS,
                    reminders_name=REMINDERS_NAME,
                ),
                encoding="utf-8",
            )
            written += [page, write_reminders(monitor, folder / REMINDERS_NAME)]
    return written


def write_reminders(monitor: Monitor, path: Path) -> Path:
    """The reminder list as CSV (UTF-8 with BOM, so Excel shows its accents; text cells never formulas)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REMINDER_COLUMNS)
        for row in monitor.missing:
            writer.writerow([as_text(_cell(row[column])) for column in REMINDER_COLUMNS])
    return path


def monitor_metadata(db_path: str | Path, wave_id: str) -> dict:
    """The wave's monitor as Dagster metadata: coverage on its last day and how many are still missing."""
    with connect(db_path, read_only=True) as connection:
        if not connection.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts' "
            "and table_name = 'mart_fieldwork_progress'"
        ).fetchone()[0]:
            return {}
        monitor = read_monitor(connection, wave_id)
    last = monitor.last
    if last is None:
        return {"fieldwork": "no response recorded yet"}
    return {
        "coverage_pct": last["coverage_pct"],
        "municipalities_covered": last["municipalities_covered"],
        "municipalities_on_map": last["municipalities_on_map"],
        "municipalities_missing": len(monitor.missing),
        "responses_recorded": last["responses_recorded"],
        "last_recorded_day": str(last["day"]),
    }


def reminder_markdown(monitor: Monitor, limit: int = 40) -> str:
    """The first rows of the reminder list as a Markdown table (Dagster metadata)."""
    lines = ["| NIS | municipality | province | size class | answered previous wave |", "|---|---|---|---|---|"]
    for row in monitor.missing[:limit]:
        lines.append(
            f"| {row['nis_code']} | {_md(row['name_nl'])} | {_md(row['province_name_nl'])} | "
            f"{_md(row['size_class'])} | {_yes_no(row['answered_previous_wave'])} |"
        )
    if len(monitor.missing) > limit:
        lines.append(f"| … | {len(monitor.missing) - limit} more in {REMINDERS_NAME} | | | |")
    return "\n".join(lines)


def coverage_chart(days: list[dict]) -> str:
    """The coverage curve as an inline SVG (0-100 %, one point per day)."""
    if not days:
        return ""
    width, height = CHART_WIDTH - 2 * MARGIN, CHART_HEIGHT - 2 * MARGIN
    step = width / max(len(days) - 1, 1)
    points = " ".join(
        f"{MARGIN + index * step:.1f},{MARGIN + height * (1 - day['coverage_pct'] / 100):.1f}"
        for index, day in enumerate(days)
    )
    grid = "".join(
        f'<line x1="{MARGIN}" x2="{MARGIN + width}" y1="{MARGIN + height * (1 - level / 100):.1f}" '
        f'y2="{MARGIN + height * (1 - level / 100):.1f}" class="grid"/>'
        f'<text x="{MARGIN - 6}" y="{MARGIN + height * (1 - level / 100) + 4:.1f}" text-anchor="end">{level} %</text>'
        for level in (0, 25, 50, 75, 100)
    )
    labels = "".join(
        f'<text x="{MARGIN + index * step:.1f}" y="{CHART_HEIGHT - MARGIN + 16}" text-anchor="middle">'
        f"{html.escape(day['day'].strftime('%d/%m'))}</text>"
        for index, day in enumerate(days)
        if index in (0, len(days) - 1) or index % 7 == 0
    )
    last = days[-1]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
        f'aria-label="Coverage by day, {last["coverage_pct"]} % on {last["day"]}" class="curve">{grid}'
        f'<polyline points="{points}" class="line"/>{labels}</svg>'
    )


def _dicts(result) -> list[dict]:
    names = [column[0] for column in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


def _pct_half_up(count: int, base: int) -> float | None:
    return (2 * 1000 * count + base) // (2 * base) / 10 if base else None


def _order(column: str, value: str):
    """Size classes small to large, Belfius clusters V1-V16, other values by name."""
    if column == "size_class":
        numbers = [int(part.replace(".", "")) for part in re.findall(r"[0-9][0-9.]*", value)]
        return (0 if value.startswith("<") else 2 if value.startswith(">") else 1, numbers[0] if numbers else 0, value)
    if column == "belfius_cluster_code":
        digits = re.sub(r"\D", "", value)
        return (int(digits) if digits else 999, value)
    return (0, value)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _yes_no(value) -> str:
    return "—" if value is None else ("yes" if value else "no")


def _md(value) -> str:
    return str(value or "").replace("|", "\\|")
