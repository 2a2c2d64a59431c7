"""Read-outs of the report-reproduction marts, for Dagster metadata and the `make run` summary."""

from __future__ import annotations

import datetime as dt

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


def report_waves_not_loaded(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Waves with published figures (`seeds/survey/report_figures_<wave>.csv`) that the landing does not
    hold: their figures are not compared, which is said once rather than listed figure by figure."""
    return [
        wave_id
        for (wave_id,) in connection.execute(
            """
        select wave_id from marts.mart_wave_loads
        where has_published_figures and not in_landing
        order by wave_id
        """
        ).fetchall()
    ]


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


def _markdown(headers: list[str], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return "\n".join(lines + ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows])


def wave_resolution_markdown(connection: duckdb.DuckDBPyConnection) -> str:
    """Per wave: its export files and when they were loaded, its response rows by status, the
    municipalities its valid rows resolved to, and how (resolution methods of the valid rows)."""
    rows = connection.execute(
        """
        with files as (
            select wave_id, n_files as files, n_file_rows as file_rows, loaded_at
            from marts.mart_wave_loads where n_files > 0
        ),
        statuses as (
            select wave_id,
                   count(*) filter (where status = 'valid') as valid,
                   count(*) filter (where status = 'excluded') as excluded,
                   count(*) filter (where status = 'quarantined') as quarantined,
                   count(distinct nis_code) filter (where status = 'valid') as municipalities
            from marts.mart_respondent_resolution group by wave_id
        ),
        methods as (
            select wave_id, string_agg(method || ' ' || n, ', ' order by n desc, method) as methods
            from (select wave_id, method, count(*) as n from marts.mart_respondent_resolution
                  where status = 'valid' group by wave_id, method) as counted
            group by wave_id
        )
        select wave_id, files.files, files.loaded_at, files.file_rows,
               statuses.valid, statuses.excluded, statuses.quarantined, statuses.municipalities, methods.methods
        from files full join statuses using (wave_id) left join methods using (wave_id)
        order by wave_id
        """
    ).fetchall()
    if not rows:
        return "(no waves loaded)"
    # The load time formatted here: DuckDB and PostgreSQL format timestamps with different functions.
    rows = [(row[0], row[1], _utc_text(row[2]), *row[3:]) for row in rows]
    return _markdown(
        ["wave", "files", "loaded", "rows", "valid", "excluded", "quarantined", "municipalities", "resolved by"], rows
    )


def _utc_text(value) -> str | None:
    """A load time as `YYYY-MM-DD HH:MM:SS UTC` (stored as UTC, with or without a time zone)."""
    if value is None:
        return None
    if getattr(value, "tzinfo", None) is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def wave_findings_markdown(connection: duckdb.DuckDBPyConnection) -> str:
    """Data-quality findings per wave and kind (Taskforce and override findings have no wave)."""
    rows = connection.execute(
        """
        select coalesce(wave_id, '(no wave)'), finding_type, count(*)
        from marts.mart_data_quality_findings group by 1, 2 order by 1, 3 desc, 2
        """
    ).fetchall()
    return _markdown(["wave", "finding", "rows"], rows) if rows else "No findings."
