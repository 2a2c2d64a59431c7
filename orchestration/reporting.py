"""Read-outs of the report-reproduction marts, for Dagster metadata and the `make run` summary."""

from __future__ import annotations

import duckdb


def report_figure_mismatches(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Published figures the warehouse does not reproduce, per wave, with the explanation."""
    return connection.execute(
        """
        select wave_id, figure_id, kind, count, count_printed, base_n, base_n_printed, pct, pct_printed,
               explanation
        from marts.mart_report_figure_comparison
        where not matches_report
        order by wave_id, kind, figure_id
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
    header = (
        "| wave | figure | kind | count | printed | base | printed | pct | printed | why |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    return "\n".join([header] + ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows])
