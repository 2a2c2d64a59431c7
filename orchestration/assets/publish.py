"""The draft/publish cycle: a run builds a draft of the warehouse and publishes it only when all passed."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration.assets.dbt import warehouse_dbt_models
from orchestration.resources import WarehouseResource


@asset(group_name="publish", kinds={"duckdb"})
def warehouse_draft(warehouse: WarehouseResource) -> MaterializeResult:
    """Starts the run's draft from the published warehouse; every load and dbt model writes there."""
    warehouse.start_draft()
    return MaterializeResult(metadata={"draft": MetadataValue.path(str(warehouse.draft_path))})


@asset(group_name="publish", kinds={"duckdb"}, deps=[warehouse_dbt_models])
def published_warehouse(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Replaces WAREHOUSE_DB_PATH by the draft in one rename. Runs only when every load, model and
    error-level dbt test upstream succeeded, so analysts never see a half-built or failing warehouse."""
    with warehouse.connect(read_only=True) as connection:
        tables = connection.execute(
            "select table_schema, count(*) from information_schema.tables"
            " where table_schema not in ('pg_catalog', 'information_schema') group by 1 order by 1"
        ).fetchall()
    warehouse.publish()
    context.log.info(f"published {warehouse.location()}")
    size = {} if warehouse.on_postgres else {"size_mb": round(warehouse.published_path.stat().st_size / 1e6, 1)}
    return MaterializeResult(metadata={
        "path": MetadataValue.path(warehouse.location()),
        "tables_per_schema": MetadataValue.md("\n".join(f"- `{schema}`: {count}" for schema, count in tables)),
        **size,
    })
