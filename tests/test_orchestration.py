"""The Dagster code location: loads, holds one job, and the sensor reacts to landing changes only."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from dagster import DagsterInstance, RunRequest, SkipReason, build_sensor_context

from orchestration.assets.dbt import dbt_build_args
from orchestration.definitions import defs
from orchestration.resources import WarehouseResource
from orchestration.sensors import landing_files_sensor
from orchestration.settings import PROJECT_ROOT


@pytest.mark.e2e  # a `dagster` subprocess loading the code location: slow, end to end
def test_definitions_validate_through_workspace_yaml(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_main_job_selects_every_asset():
    job = defs.resolve_job_def("refresh_warehouse")
    every_asset = set(defs.resolve_asset_graph().get_all_asset_keys())
    assert len(every_asset) > 60  # the Python assets and every dbt model
    assert set(job.asset_layer.selected_asset_keys) == every_asset


def test_dbt_gets_the_warehouse_path_of_the_run():
    assert dbt_build_args("/data/w.duckdb") == ["build", "--vars", '{"warehouse_db_path": "/data/w.duckdb"}']


def test_sensor_runs_once_per_landing_state(tmp_path):
    landing = tmp_path / "landing"
    (landing / "taskforce").mkdir(parents=True)
    warehouse = WarehouseResource(db_path=str(tmp_path / "w.duckdb"), landing_dir=str(landing))
    with DagsterInstance.ephemeral() as instance:
        first = landing_files_sensor(build_sensor_context(instance=instance), warehouse=warehouse)
        assert isinstance(first, RunRequest)
        context = build_sensor_context(instance=instance, cursor=first.run_key)
        assert isinstance(landing_files_sensor(context, warehouse=warehouse), SkipReason)
        (landing / "taskforce" / "new.csv").write_text("peildatum,nis_code,gemeente,personen,minderjarigen\n")
        again = landing_files_sensor(build_sensor_context(instance=instance, cursor=first.run_key), warehouse=warehouse)
        assert isinstance(again, RunRequest) and again.run_key != first.run_key


def materialization_metadata(result, *path: str) -> dict:
    from dagster import AssetKey

    (event,) = [e for e in result.get_asset_materialization_events()
                if e.event_specific_data.materialization.asset_key == AssetKey(list(path))]
    return event.event_specific_data.materialization.metadata


def test_marts_report_their_row_counts(warehouse_build):
    _, result = warehouse_build
    assert materialization_metadata(result, "marts", "dim_municipality")["dagster/row_count"].value == 300
    assert materialization_metadata(result, "raw", "export_rows")["dagster/row_count"].value == 211


def test_report_figures_carry_a_table_of_what_does_not_match(warehouse_build):
    _, result = warehouse_build
    metadata = materialization_metadata(result, "marts", "mart_report_figures")
    table = metadata["not_matching"].value
    assert metadata["figures_not_matching"].value == table.count("\n| w1_2023 |")
    assert "t4_3_vrije_tijd" in table and "s5_1_meerdere_vormen" in table
    assert "t4_1_college" not in table


def test_the_landing_inventory_lists_and_counts_synthetic_files(warehouse_build):
    _, result = warehouse_build
    metadata = materialization_metadata(result, "landing_directory")
    assert "SYNTHETIC_w1_2023_export" in metadata["files"].value and "codebook.yaml" in metadata["files"].value
    assert metadata["synthetic_files"].value > 0


def test_cli_query_reads_the_published_warehouse(warehouse_db, monkeypatch, capsys):
    from orchestration.cli import main

    monkeypatch.setenv("WAREHOUSE_DB_PATH", str(warehouse_db))
    assert main(["query", "select count(*) as municipalities from marts.dim_municipality"]) == 0
    assert "300" in capsys.readouterr().out
