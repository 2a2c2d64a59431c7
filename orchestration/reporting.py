"""Read-outs of the report-reproduction marts, for Dagster metadata and the `make run` summary."""

from __future__ import annotations

import duckdb

FLAGGED_KINDS = ("inconsistency", "population_dependent")


def report_figure_mismatches(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Rows of marts.mart_report_figures that do not match the report, with the explanation."""
    return connection.execute(
        """
        select figures.figure_id, figures.kind, figures.count, figures.count_printed, figures.base_n,
               figures.base_n_printed, figures.pct, figures.pct_printed, comparison.explanation
        from marts.mart_report_figures as figures
        left join intermediate.int_report_figure_comparison as comparison
            on comparison.figure_id = figures.figure_id
            and comparison.wave_id = (select any_value(wave_id) from intermediate.int_report_figure_comparison
                                      where figure_id = figures.figure_id)
        where not figures.matches_report
        order by figures.kind, figures.figure_id
        """
    ).fetchall()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value).replace("|", "\\|")


def mismatches_markdown(rows: list[tuple]) -> str:
    if not rows:
        return "Every published figure is reproduced."
    header = "| figure | kind | count | printed | base | printed | pct | printed | why |\n|---|---|---|---|---|---|---|---|---|"
    return "\n".join([header] + ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows])
