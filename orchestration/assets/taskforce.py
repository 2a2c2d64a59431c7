"""Taskforce Oekraïne snapshots and the analysts' municipality-name overrides into the `raw` schema."""

import datetime as dt

from dagster import AssetKey, AssetSpec, Failure, multi_asset

from orchestration.assets.landing import landing_directory
from orchestration.assets.publish import warehouse_draft
from orchestration.assets.survey import RAW_SCHEMA, write_raw
from orchestration.resources import WarehouseResource
from orchestration.survey.flat_files import read_municipality_overrides, read_taskforce_snapshot
from orchestration.survey.landing import discover_landing, relative_name
from orchestration.survey.qualtrics_reader import CsvFileError
from orchestration.survey.raw_tables import stack_frames


@multi_asset(specs=[AssetSpec(AssetKey([RAW_SCHEMA, "taskforce_counts"]), group_name="taskforce",
                              deps=[landing_directory, warehouse_draft], kinds={"duckdb"},
                              description="Every row of every `taskforce/*.csv` snapshot, verbatim.")])
def taskforce_snapshots(warehouse: WarehouseResource):
    """All snapshots, any number of files and dates; typing and row checks happen in dbt staging."""
    landing = warehouse.landing_path
    loaded_at = dt.datetime.now(dt.UTC)
    frames, problems = [], []
    for path in discover_landing(landing).taskforce_paths:
        try:
            frames.append(read_taskforce_snapshot(path, source_file=relative_name(path, landing), loaded_at=loaded_at))
        except CsvFileError as error:
            problems.append(str(error))
    if problems:
        raise Failure(description="Taskforce snapshots not loaded; the warehouse is unchanged:\n" + "\n".join(problems))
    yield from write_raw(warehouse, {"taskforce_counts": stack_frames(frames, "taskforce_counts")})


@multi_asset(specs=[AssetSpec(AssetKey([RAW_SCHEMA, "municipality_name_overrides"]), group_name="survey",
                              deps=[landing_directory, warehouse_draft], kinds={"duckdb"},
                              description="`overrides/municipality_names.csv`: analyst fixes for unresolvable Q1 texts.")])
def municipality_name_overrides(warehouse: WarehouseResource):
    landing = warehouse.landing_path
    path = discover_landing(landing).override_path
    frames = []
    if path is not None:
        try:
            frames.append(read_municipality_overrides(path, source_file=relative_name(path, landing),
                                                      loaded_at=dt.datetime.now(dt.UTC)))
        except CsvFileError as error:
            raise Failure(description=f"overrides not loaded; the warehouse is unchanged:\n{error}") from error
    yield from write_raw(warehouse, {"municipality_name_overrides": stack_frames(frames, "municipality_name_overrides")})
