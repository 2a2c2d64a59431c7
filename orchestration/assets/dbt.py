"""The dbt project as Dagster assets; dbt tests become asset checks."""


import json
from typing import Any, Mapping

from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.dbt_project import dbt_project
from orchestration.resources import WarehouseResource


class WarehouseDbtTranslator(DagsterDbtTranslator):
    """Groups models by domain folder (reference, survey, taskforce) and puts every mart in `marts`."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if len(fqn) > 2 and fqn[1] in ("staging", "intermediate"):
            return fqn[2]
        if len(fqn) > 1 and fqn[1] == "marts":
            return "marts"
        return super().get_group_name(dbt_resource_props)


def dbt_build_args(db_path: str) -> list[str]:
    """`dbt build` against the warehouse file of the run (absolute; dbt runs inside dbt_project/)."""
    return ["build", "--vars", json.dumps({"warehouse_db_path": db_path})]


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=WarehouseDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def warehouse_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    yield from dbt.cli(dbt_build_args(warehouse.db_path), context=context).stream()
