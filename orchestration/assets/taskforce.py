"""Taskforce Oekraïne snapshots and the analysts' municipality-name overrides into the `raw` schema."""

import datetime as dt

from dagster import multi_asset

from orchestration.assets.survey import raw_specs, read_files, write_raw
from orchestration.resources import WarehouseResource
from orchestration.survey.flat_files import read_municipality_overrides, read_taskforce_snapshot
from orchestration.survey.landing import discover_landing, relative_name
from orchestration.survey.raw_tables import stack_frames


@multi_asset(specs=raw_specs(("taskforce_counts",), "Every row of every `taskforce/*.csv` snapshot, verbatim",
                             group="taskforce"))
def taskforce_snapshots(warehouse: WarehouseResource):
    """All snapshots, any number of files and dates; typing and row checks happen in dbt staging."""
    landing, loaded_at = warehouse.landing_path, dt.datetime.now(dt.UTC)
    frames = read_files(
        discover_landing(landing).taskforce_paths,
        lambda path: read_taskforce_snapshot(path, source_file=relative_name(path, landing), loaded_at=loaded_at),
        "Taskforce snapshots",
    )
    yield from write_raw(warehouse, {"taskforce_counts": stack_frames(frames, "taskforce_counts")})


@multi_asset(specs=raw_specs(("municipality_name_overrides",),
                             "`overrides/municipality_names.csv`: analyst fixes for unresolvable Q1 texts"))
def municipality_name_overrides(warehouse: WarehouseResource):
    landing, loaded_at = warehouse.landing_path, dt.datetime.now(dt.UTC)
    override_path = discover_landing(landing).override_path
    frames = read_files(
        [override_path] if override_path else [],
        lambda path: read_municipality_overrides(path, source_file=relative_name(path, landing), loaded_at=loaded_at),
        "overrides",
    )
    yield from write_raw(warehouse, {"municipality_name_overrides": stack_frames(frames, "municipality_name_overrides")})
