"""Jobs. DuckDB allows one writer, so every job runs its steps one at a time in one process, and runs of
the refresh job queue behind each other: the tag below is limited to one run at a time in the instance's
`dagster.yaml` (written by the Makefile). The refresh lock (orchestration/publishing.py) covers runs the
queue does not see (`make run`, a second Dagster instance)."""

from dagster import AssetSelection, define_asset_job, in_process_executor

REFRESH_TAG = "warehouse_refresh"

# Everything: landing files and reference seeds into DuckDB, then every dbt model and test.
refresh_warehouse_job = define_asset_job(
    name="refresh_warehouse",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    tags={REFRESH_TAG: "refresh_warehouse"},
    description="Load the landing directory and the reference seeds, then build and test every dbt model.",
)
