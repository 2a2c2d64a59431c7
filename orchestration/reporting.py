"""Read-outs of the report-reproduction marts, for Dagster metadata and the `make run` summary."""

from __future__ import annotations

import duckdb


def report_figure_mismatches(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Published figures the warehouse does not reproduce, per wave, with the explanation."""
    return connection.execute(
        """
        select wave_id, figure_id, kind, count, count_printed, base_n, base_n_printed, pct, pct_printed,
               explanation
        from intermediate.int_report_figure_comparison
        where not matches_report
        order by wave_id, kind, figure_id
        """
    ).fetchall()


def report_waves_not_loaded(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Waves with published figures (`seeds/survey/report_figures_<wave>.csv`) that the landing does not
    hold: their figures are not compared, which is said once rather than listed figure by figure."""
    return [wave_id for (wave_id,) in connection.execute(
        """
        select distinct wave_id from staging.stg_reference__report_figures
        where wave_id not in (select wave_id from staging.stg_codebook__waves)
        order by wave_id
        """
    ).fetchall()]


def not_loaded_sentence(wave_ids: list[str]) -> str:
    return f"Published figures of {', '.join(wave_ids)} not checked: that wave is not in the landing directory."


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value).replace("|", "\\|")


def mismatches_markdown(rows: list[tuple], waves_not_loaded: list[str] = ()) -> str:
    note = not_loaded_sentence(list(waves_not_loaded)) + "\n\n" if waves_not_loaded else ""
    if not rows:
        return note + "Every published figure of a loaded wave is reproduced."
    header = (
        "| wave | figure | kind | count | printed | base | printed | pct | printed | why |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    return note + "\n".join([header] + ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows])


MISSING_QUESTION_FINDING = "question without a column in the export"


def missing_question_findings(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Codebook questions an export has no column for (file, question): their n would fall silently."""
    try:
        rows = connection.execute(
            "select source_file, finding from marts.mart_data_quality_findings where finding_type = ? "
            "order by source_file, finding",
            [MISSING_QUESTION_FINDING],
        ).fetchall()
    except duckdb.CatalogException:
        return []
    return [f"{source_file}: {finding}" for source_file, finding in rows]
