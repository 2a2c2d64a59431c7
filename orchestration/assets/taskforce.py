"""Taskforce Oekraïne snapshots and the analysts' municipality-name overrides into the `raw` schema."""

import datetime as dt

from dagster import AssetExecutionContext, multi_asset

from orchestration.assets.survey import raw_specs, read_files, record_landing_reads, write_raw
from orchestration.freshness import report_latest_snapshot
from orchestration.resources import WarehouseResource
from orchestration.survey.flat_files import read_municipality_overrides, read_taskforce_snapshot
from orchestration.survey.landing import discover_landing, relative_name
from orchestration.survey.raw_tables import stack_frames


@multi_asset(
    specs=raw_specs(("taskforce_counts",), "Every row of every `taskforce/*.csv` snapshot, verbatim", group="taskforce")
)
def taskforce_snapshots(context: AssetExecutionContext, warehouse: WarehouseResource):
    """All snapshots, any number of files and dates; typing and row checks happen in dbt staging."""
    landing, loaded_at = warehouse.landing_path, dt.datetime.now(dt.UTC)
    frames, reads = read_files(
        discover_landing(landing).taskforce_paths,
        lambda copy: read_taskforce_snapshot(
            copy, source_file=relative_name(copy.read.path, landing), loaded_at=loaded_at
        ),
        "Taskforce snapshots",
    )
    yield from write_raw(warehouse, {"taskforce_counts": stack_frames(frames, "taskforce_counts")})
    record_landing_reads(context, warehouse, "taskforce", reads, loaded_at)
    # A newer peildatum: `taskforce/latest_snapshot` materializes, so its freshness says when none came for long.
    newest = report_latest_snapshot(context.instance, [day for frame in frames for day in frame["peildatum"]])
    if newest:
        context.log.info(f"newest Taskforce snapshot: {newest}")


@multi_asset(
    specs=raw_specs(
        ("municipality_name_overrides",), "`overrides/municipality_names.csv`: analyst fixes for unresolvable Q1 texts"
    )
)
def municipality_name_overrides(context: AssetExecutionContext, warehouse: WarehouseResource):
    landing, loaded_at = warehouse.landing_path, dt.datetime.now(dt.UTC)
    override_path = discover_landing(landing).override_path
    frames, reads = read_files(
        [override_path] if override_path else [],
        lambda copy: read_municipality_overrides(
            copy, source_file=relative_name(copy.read.path, landing), loaded_at=loaded_at
        ),
        "overrides",
    )
    yield from write_raw(
        warehouse, {"municipality_name_overrides": stack_frames(frames, "municipality_name_overrides")}
    )
    record_landing_reads(context, warehouse, "overrides", reads, loaded_at)
