"""Dagster assets of the analysts' deliverables (group `deliverables`).

- `open_answer_theme_dictionary` loads the theme dictionary into the draft, before dbt builds the theme marts;
- `wave_exports` and `wave_report` read the published warehouse, after `published_warehouse`, and write
  files beside it (`exports/<wave_id>/`, `reports/<wave_id>/`). They never write to the warehouse.
- `fieldwork_monitor` writes each wave's fieldwork page and reminder list beside its report
  (`reports/<wave_id>/fieldwork.html`, `reminders.csv`; contract §5.3) and shows the monitor as metadata.
- `wave_scans` writes the municipality scans beside each report (`reports/<wave_id>/municipalities/`).
"""

import datetime as dt

from dagster import MaterializeResult, MetadataValue, asset, multi_asset

from orchestration.assets.publish import published_warehouse
from orchestration.assets.survey import raw_specs, read_files, record_landing_reads, write_raw
from orchestration.deliverables.exports import wave_ids, write_exports
from orchestration.deliverables.fieldwork import (
    monitor_metadata,
    read_monitor,
    reminder_markdown,
    write_fieldwork_pages,
)
from orchestration.deliverables.report import write_reports
from orchestration.deliverables.scan import INDEX as SCAN_INDEX
from orchestration.deliverables.scan import write_scans
from orchestration.resources import WarehouseResource
from orchestration.settings import SURVEY_SEEDS_DIR
from orchestration.survey.flat_files import read_open_answer_themes
from orchestration.survey.landing import discover_landing, relative_name

GROUP = "deliverables"
SHIPPED_THEMES = SURVEY_SEEDS_DIR / "open_answer_themes.csv"


@multi_asset(
    specs=raw_specs(
        ("open_answer_themes",),
        "The open-answer theme dictionary: "
        "`overrides/open_answer_themes.csv` of the landing directory, else the shipped one",
        group=GROUP,
    )
)
def open_answer_theme_dictionary(context, warehouse: WarehouseResource):
    landing, loaded_at = warehouse.landing_path, dt.datetime.now(dt.UTC)
    override = discover_landing(landing).themes_path
    path = override or SHIPPED_THEMES
    source = relative_name(path, landing) if override else f"shipped: {path.name}"
    frames, reads = read_files(
        [path],
        lambda copy: read_open_answer_themes(copy, source_file=source, loaded_at=loaded_at),
        "open-answer theme dictionary",
    )
    yield from write_raw(
        warehouse, {"open_answer_themes": frames[0]}, metadata={"open_answer_themes": {"source": source}}
    )
    record_landing_reads(context, warehouse, "themes", reads, loaded_at)


def _files_metadata(paths, root) -> dict:
    return {
        "folder": MetadataValue.path(str(root)),
        "files": MetadataValue.md("\n".join(f"- `{path.relative_to(root)}`" for path in paths)),
    }


@asset(group_name=GROUP, deps=[published_warehouse], kinds={"csv", "excel", "parquet"})
def wave_exports(warehouse: WarehouseResource) -> MaterializeResult:
    """Per wave: question results and estimates as CSV and Excel, the municipality profile as SPSS and
    Parquet, in an internal and a public (aggregates only, small bases suppressed) profile. The small-base
    rule is EXPORT_MIN_UNITS, the report's too (`small_bases.py`): no per-asset setting that could differ."""
    root = warehouse.published_path.parent / "exports"
    with warehouse.published_duckdb() as db_path:
        paths = write_exports(db_path, root)
    return MaterializeResult(metadata=_files_metadata(paths, root))


@asset(group_name=GROUP, deps=[published_warehouse], kinds={"html"})
def wave_report(warehouse: WarehouseResource) -> MaterializeResult:
    """Per wave: one self-contained HTML report with its charts as PNG and SVG beside it; figures over a
    small base (EXPORT_MIN_UNITS) are not shown."""
    root = warehouse.published_path.parent / "reports"
    with warehouse.published_duckdb() as db_path:
        paths = write_reports(db_path, root)
    return MaterializeResult(metadata=_files_metadata(paths, root))


@asset(group_name=GROUP, deps=[published_warehouse], kinds={"html"})
def wave_scans(warehouse: WarehouseResource) -> MaterializeResult:
    """Per wave, the municipality scans (internal; orchestration/deliverables/scan.py): one page per responding
    municipality, `reports/<wave_id>/municipalities/<nis_code>.html`, and an index with a search box."""
    root = warehouse.published_path.parent / "reports"
    with warehouse.published_duckdb() as db_path:
        paths = write_scans(db_path, root)
    indexes = [path for path in paths if path.name == SCAN_INDEX]
    # Not `folder`/`files` (a page per municipality): `make run` prints the report stage's files from the
    # report's own metadata.
    return MaterializeResult(
        metadata={
            "pages": len(paths) - len(indexes),
            "indexes": MetadataValue.md("\n".join(f"- `{path.relative_to(root)}`" for path in indexes)),
        }
    )


@asset(group_name=GROUP, deps=[published_warehouse], kinds={"html", "csv"})
def fieldwork_monitor(warehouse: WarehouseResource) -> MaterializeResult:
    """Per wave, the fieldwork monitor (contract §5.3): coverage by day, by province, size class and Belfius
    cluster, and the municipalities still missing with whether they answered the previous wave (the reminder
    list, also as CSV), beside the wave's report. Its metadata: each wave's coverage and reminder list."""
    from orchestration.backends.duckdb_io import connect

    root = warehouse.published_path.parent / "reports"
    metadata = {}
    with warehouse.published_duckdb() as db_path:
        paths = write_fieldwork_pages(db_path, root)
        with connect(db_path, read_only=True) as connection:
            waves = wave_ids(connection)
            monitors = {wave_id: read_monitor(connection, wave_id) for wave_id in waves}
        for wave_id in waves:
            for name, value in monitor_metadata(db_path, wave_id).items():
                metadata[f"{wave_id} {name}"] = value
            metadata[f"{wave_id} reminder list"] = MetadataValue.md(reminder_markdown(monitors[wave_id]))
    # Not `folder`/`files`: `make run` prints the report stage's files from the report's own metadata.
    pages = MetadataValue.md("\n".join(f"- `{path.relative_to(root)}`" for path in paths))
    return MaterializeResult(metadata={"pages": pages, **metadata})


DELIVERABLE_ASSETS = [open_answer_theme_dictionary, wave_exports, wave_report, fieldwork_monitor, wave_scans]
