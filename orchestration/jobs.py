"""Jobs. DuckDB allows one writer, so every job runs its steps one at a time in one process."""

from dagster import AssetSelection, define_asset_job, in_process_executor

# Everything: landing files and reference seeds into DuckDB, then every dbt model and test.
refresh_warehouse_job = define_asset_job(
    name="refresh_warehouse",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Load the landing directory and the reference seeds, then build and test every dbt model.",
)
