"""The Dagster code location: loads, holds one job, and the sensor reacts to landing changes only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from dagster import AddDynamicPartitionsRequest, DagsterInstance, SensorResult, build_sensor_context

from orchestration.assets.dbt import (
    dbt_environment,
    keep_partial_parse,
    parse_cache_file,
    prune_run_targets,
    reuse_partial_parse,
)
from orchestration.backends.duckdb_io import replace_tables
from orchestration.backends.publishing import BuildInfo
from orchestration.definitions import defs
from orchestration.partitions import RANGE_END, RANGE_START
from orchestration.resources import WarehouseResource
from orchestration.sensors import landing_files_sensor, plan_refresh
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.survey.landing import landing_parts


@pytest.mark.e2e  # a `dagster` subprocess loading the code location: slow, end to end
def test_definitions_validate_through_workspace_yaml(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_main_job_selects_every_asset_but_the_qualtrics_pull():
    job = defs.resolve_job_def("refresh_warehouse")
    graph = defs.resolve_asset_graph()
    every_asset = {key for key in graph.get_all_asset_keys() if graph.get(key).is_executable}
    assert len(every_asset) > 60  # the Python assets and every dbt model
    pull = {key for key in every_asset if key.path[0] == "qualtrics"}
    assert [key.to_user_string() for key in pull] == ["qualtrics/responses"]  # writes the landing: its own job
    assert set(job.asset_layer.selected_asset_keys) == every_asset - pull
    # recorded by the Taskforce load when a newer snapshot arrives (orchestration/freshness.py)
    assert {key.to_user_string() for key in graph.get_all_asset_keys() if not graph.get(key).is_executable} == {
        "taskforce/latest_snapshot"
    }


def test_old_run_target_folders_are_pruned_and_recent_ones_kept(tmp_path, monkeypatch):
    from orchestration import settings

    monkeypatch.setattr(settings, "DBT_PROJECT_DIR", tmp_path)
    hours_ago = time.time() - 3 * 3600
    folders = []
    for number in range(14):
        folder = tmp_path / "target" / f"warehouse_dbt_models-run{number:02d}-abc"
        (folder / "compiled").mkdir(parents=True)
        age = hours_ago - number if number >= 2 else time.time()  # the two newest are from a run going on now
        os.utime(folder, (age, age))
        folders.append(folder)
    other = tmp_path / "target" / "partial_parse_by_profile"
    other.mkdir()
    os.utime(other, (hours_ago - 99, hours_ago - 99))
    removed = prune_run_targets("warehouse_dbt_models", keep=10)
    assert sorted(removed) == folders[10:]
    assert all(folder.exists() for folder in folders[:10]) and not any(folder.exists() for folder in folders[10:])
    assert other.exists()
    young = tmp_path / "target" / "warehouse_dbt_models-young-abc"
    young.mkdir()
    assert prune_run_targets("warehouse_dbt_models", keep=0) == [f for f in folders[2:10]]  # never the last hour's


def test_dbt_gets_the_warehouse_path_of_the_run_in_its_environment():
    assert dbt_environment("/data/w.duckdb")["DBT_DUCKDB_PATH"] == "/data/w.duckdb"
    assert dbt_environment("/data/w.duckdb")["WAREHOUSE_DUCKDB_TEMP_DIR"] == "/data/w.duckdb.tmp"


@pytest.mark.e2e  # two `dbt parse` runs of the whole project (~10 s)
def test_a_second_run_on_the_same_file_reuses_dbts_partial_parse(tmp_path):
    """dbt-duckdb's partial parse depends on the database path: kept per profile, a second run to the same
    file parses only what changed (never `Unable to do partial parsing`)."""
    values = dbt_environment(str(tmp_path / "elsewhere.duckdb"))
    logs = []
    for attempt in ("first", "second"):
        target = tmp_path / attempt
        reuse_partial_parse(values, target)
        result = subprocess.run(
            [str(Path(sys.prefix) / "bin" / "dbt"), "parse", "--target", "dev"],
            cwd=DBT_PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, **values, "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target)},
        )
        assert result.returncode == 0, result.stdout + result.stderr
        keep_partial_parse(values, target)
        logs.append(result.stdout)
    assert "Unable to do partial parsing" not in logs[1], logs[1]
    parse_cache_file(values).unlink()


def test_the_taskforce_job_selects_only_what_depends_on_taskforce_data():
    keys = {key.to_user_string() for key in defs.resolve_job_def("refresh_taskforce").asset_layer.selected_asset_keys}
    assert {
        "raw/taskforce_counts",
        "staging/stg_taskforce__counts",
        "marts/mart_taskforce_summary",
        "warehouse_draft",
        "published_warehouse",
    } <= keys
    assert not keys & {
        "raw/export_cells",
        "raw/codebook_questions",
        "marts/mart_respondent_resolution",
        "intermediate/int_respondent_answers",
        "reference/municipalities_2019_2024",
    }


def test_plan_refresh_picks_the_smallest_job():
    before = {"wave:w1": "a", "taskforce": "t", "overrides": "o"}
    assert plan_refresh(before, before | {"taskforce": "t2"}, published=True) == ("refresh_taskforce", None)
    assert plan_refresh(before, before | {"wave:w2": "b"}, published=True) == ("refresh_warehouse", "w2")
    assert plan_refresh(before, before | {"wave:w1": "a2"}, published=True) == ("refresh_warehouse", "w1")
    assert plan_refresh(before, before | {"taskforce": "t2", "wave:w2": "b"}, True) == ("refresh_warehouse", None)
    assert plan_refresh(before, before | {"overrides": "o2"}, published=True) == ("refresh_warehouse", None)
    assert plan_refresh({"wave:w1": "a", "wave:w2": "b"}, {"wave:w1": "a"}, True) == ("refresh_warehouse", None)
    assert plan_refresh(before, before | {"taskforce": "t2"}, published=False) == ("refresh_warehouse", None)
    assert plan_refresh(None, before, published=True) == ("refresh_warehouse", None)


def test_sensor_registers_waves_and_runs_once_per_landing_state(tmp_path):
    landing = tmp_path / "landing"
    (landing / "waves" / "w1").mkdir(parents=True)
    (landing / "taskforce").mkdir()
    (landing / "waves" / "w1" / "codebook.yaml").write_text("wave: {id: w1}\n")
    warehouse = WarehouseResource(db_path=str(tmp_path / "w.duckdb"), landing_dir=str(landing))
    with DagsterInstance.ephemeral() as instance:

        def tick(cursor):
            # the resource has a teardown, so the context must be opened as a context manager
            with build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": warehouse}) as context:
                result = landing_files_sensor(context)
            if isinstance(result, SensorResult):
                apply_partition_requests(instance, result)
            return result

        first = tick(None)
        (request,) = first.run_requests
        assert request.job_name == "refresh_warehouse" and request.tags[RANGE_START] == request.tags[RANGE_END] == "w1"
        assert instance.get_dynamic_partitions("waves") == ["w1"]
        assert not tick(first.cursor).run_requests

        Path(warehouse.db_path).write_bytes(b"published")  # from here on a published warehouse exists
        (landing / "taskforce" / "new.csv").write_text("peildatum,nis_code,gemeente,personen,minderjarigen\n")
        second = tick(first.cursor)
        assert [r.job_name for r in second.run_requests] == ["refresh_taskforce"]

        (landing / "waves" / "w2").mkdir()
        (landing / "waves" / "w2" / "codebook.yaml").write_text("wave: {id: w2}\n")
        third = tick(second.cursor)
        (request,) = third.run_requests
        assert (request.job_name, request.partition_key) == ("refresh_warehouse", "w2")
        assert instance.get_dynamic_partitions("waves") == ["w1", "w2"]
        assert json.loads(third.cursor).keys() == {"wave:w1", "wave:w2", "taskforce"}
        assert [r.job_name for r in tick("3f9a0c").run_requests] == ["refresh_warehouse"]  # an older cursor


def apply_partition_requests(instance, result: SensorResult) -> None:
    """What the daemon does with a sensor's partition requests."""
    for request in result.dynamic_partitions_requests or []:
        if isinstance(request, AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        else:
            for key in request.partition_keys:
                instance.delete_dynamic_partition(request.partitions_def_name, key)


def test_sensor_follows_the_landing_and_knows_what_the_published_warehouse_was_built_from(tmp_path):
    landing = tmp_path / "landing"
    (landing / "waves" / "w1").mkdir(parents=True)
    (landing / "waves" / "w1" / "codebook.yaml").write_text("wave: {id: w1}\n")
    warehouse = WarehouseResource(db_path=str(tmp_path / "w.duckdb"), landing_dir=str(landing))
    build = BuildInfo(
        run_id="r",
        landing_dir=str(landing),
        landing_fingerprint="f",
        files=[],
        waves=["w1"],
        taskforce_dates=[],
        commit="c",
        built_at="t",
        landing_parts=landing_parts(landing),
    )
    with duckdb.connect(warehouse.db_path) as connection:  # what `make run` publishes
        replace_tables(connection, "meta", {"warehouse_build": build.frame()})
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("waves", ["w9_other_landing", "w1"])  # a run against another landing
        with build_sensor_context(instance=instance, cursor=None, resources={"warehouse": warehouse}) as context:
            first = landing_files_sensor(context)
        apply_partition_requests(instance, first)
        assert not first.run_requests and "built from these landing files" in str(first.skip_reason)
        assert instance.get_dynamic_partitions("waves") == ["w1"]

        (landing / "waves" / "w1" / "codebook.yaml").write_text("wave: {id: w1, title: changed}\n")
        with build_sensor_context(
            instance=instance, cursor=first.cursor, resources={"warehouse": warehouse}
        ) as context:
            second = landing_files_sensor(context)
        (request,) = second.run_requests
        assert (request.job_name, request.partition_key) == ("refresh_warehouse", "w1")


def materialization_metadata(result, *path: str) -> dict:
    from dagster import AssetKey

    (event,) = [
        e
        for e in result.get_asset_materialization_events()
        if e.event_specific_data.materialization.asset_key == AssetKey(list(path))
    ]
    return event.event_specific_data.materialization.metadata


def test_marts_report_their_row_counts(warehouse_build, warehouse):
    _, result = warehouse_build
    assert materialization_metadata(result, "marts", "dim_municipality")["dagster/row_count"].value == 300
    from synthetic import build_wave1_sample, build_wave2_sample

    wave1 = build_wave1_sample()
    rows = len(wave1.intended_rows) + len(build_wave2_sample(wave1).intended_rows)  # both waves of the sample
    assert materialization_metadata(result, "raw", "export_rows")["dagster/row_count"].value == rows


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


def test_dbt_tests_are_one_check_per_model():
    from orchestration.assets.dbt import warehouse_dbt_models
    from orchestration.assets.dbt_checks import SUMMARY_CHECK

    specs = list(warehouse_dbt_models.check_specs)
    assert {spec.name for spec in specs} == {SUMMARY_CHECK} and all(spec.blocking for spec in specs)
    assert len(specs) == len({spec.asset_key for spec in specs}) > 50
    groups = warehouse_dbt_models.group_names_by_key
    assert "reference" in {groups[spec.asset_key] for spec in specs}


def test_a_summary_check_names_the_failing_tests():
    from dagster import AssetCheckSeverity, AssetKey

    from orchestration.assets.dbt_checks import TestSummary

    summary = TestSummary()
    summary.add("not_null_x_id", "pass", 0)
    summary.add("unique_x_id", "fail", 3)
    summary.add("accepted_values_x_kind", "warn", 1)
    result = summary.result(AssetKey(["marts", "x"]))
    assert not result.passed and result.severity == AssetCheckSeverity.ERROR
    assert result.metadata["tests"].value == 3 and result.metadata["failed"].value == 1
    assert "`unique_x_id` failed: 3 rows" in result.metadata["not_passing"].value
    warned = TestSummary()
    warned.add("accepted_values_x_kind", "warn", 1)
    assert warned.result(AssetKey(["marts", "x"])).severity == AssetCheckSeverity.WARN


def test_every_model_check_of_the_build_passed(warehouse_build):
    from orchestration.assets.dbt_checks import SUMMARY_CHECK

    _, result = warehouse_build
    evaluations = [
        e.asset_check_evaluation_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    summaries = [e for e in evaluations if e.check_name == SUMMARY_CHECK]
    assert len(summaries) > 40 and all(e.passed for e in evaluations)
    assert sum(e.metadata["tests"].value for e in summaries) > 300  # every dbt test counted in a summary


def test_the_dbt_resource_starts_dbt_without_a_version_subprocess_or_an_adapter(monkeypatch):
    """dagster-dbt runs `dbt --version` and opens a dbt adapter in the Dagster process before each dbt
    invocation (5.6 s); the warehouse's resource reads the installed dbt-core version and opens none."""
    import importlib.metadata

    import dagster_dbt.core.resource as dagster_dbt_resource
    from dagster_dbt import DbtCliResource
    from packaging import version

    from orchestration.resources import dbt_resource

    # what the resource replaces still exists in dagster-dbt (a rename would make the replacement dead code)
    assert {"_cli_version", "_initialize_dbt_core_adapter"} <= set(vars(DbtCliResource))

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_subprocess)
    resource = dbt_resource(target="duckdb")
    assert resource._cli_version == version.parse(importlib.metadata.version("dbt-core"))
    assert resource._initialize_dbt_core_adapter(["build"]) is None
