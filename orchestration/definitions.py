"""The one Dagster code location of the warehouse."""

from dagster import Definitions

from orchestration.assets.dbt import warehouse_dbt_models
from orchestration.assets.reference import reference_tables
from orchestration.jobs import refresh_warehouse_job
from orchestration.resources import default_resources

ALL_ASSETS = [reference_tables, warehouse_dbt_models]

defs = Definitions(
    assets=ALL_ASSETS,
    jobs=[refresh_warehouse_job],
    resources=default_resources(),
)
