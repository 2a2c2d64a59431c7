"""The dbt project as Dagster assets; dbt tests become asset checks."""

import json
from typing import Any, Mapping

from dagster import AssetExecutionContext, AssetKey, Failure, MetadataValue, Output
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.dbt_project import dbt_project
from orchestration.reporting import mismatches_markdown, report_figure_mismatches
from orchestration.resources import WarehouseResource

REPORT_FIGURES = AssetKey(["marts", "mart_report_figures"])


class WarehouseDbtTranslator(DagsterDbtTranslator):
    """Keys models by schema (`marts/mart_report_figures`), groups them by domain folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        schema = dbt_resource_props.get("config", {}).get("schema")
        if dbt_resource_props["resource_type"] == "model" and schema:
            return AssetKey([schema, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if len(fqn) > 2 and fqn[1] in ("staging", "intermediate"):
            return fqn[2]
        if len(fqn) > 1 and fqn[1] == "marts":
            return "marts"
        return super().get_group_name(dbt_resource_props)


def dbt_build_args(db_path: str, **more_vars: str) -> list[str]:
    """`dbt build` against the warehouse file of the run (absolute; dbt runs inside dbt_project/); on
    PostgreSQL also `schema_prefix`, the draft schemas' prefix."""
    return ["build", "--vars", json.dumps({"warehouse_db_path": db_path, **more_vars})]


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=WarehouseDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def warehouse_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Builds and tests every model, then adds row counts and, on mart_report_figures, the figures that
    do not match. Outputs wait until dbt has finished: DuckDB lets one process write at a time."""
    if dbt.target != warehouse.target:
        raise Failure(description=f"dbt builds target {dbt.target!r} but the warehouse is {warehouse.target!r}; "
                                  "give both the same WAREHOUSE_TARGET")
    outputs = []
    for event in dbt.cli(dbt_build_args(str(warehouse.ensure_draft()), **warehouse.schema_vars()), context=context).stream():
        if isinstance(event, Output):
            outputs.append(event)
        else:
            yield event
    with warehouse.connect(read_only=True) as connection:
        for output in outputs:
            asset_key = context.asset_key_for_output(output.output_name)
            metadata = {"dagster/row_count": row_count(connection, asset_key)}
            if asset_key == REPORT_FIGURES:
                rows = report_figure_mismatches(connection)
                metadata |= {"figures_not_matching": len(rows), "not_matching": MetadataValue.md(mismatches_markdown(rows))}
            yield output.with_metadata({**output.metadata, **metadata})


def row_count(connection, asset_key: AssetKey) -> int:
    schema, table = asset_key.path
    return connection.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
