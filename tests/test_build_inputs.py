"""A refresh with nothing new: the fingerprints that say so, and `make run` stopping within seconds."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

from dagster import RunRequest, SkipReason, build_schedule_context, instance_for_test

from orchestration import build_inputs
from orchestration.backends.duckdb_io import connect
from orchestration.backends.publishing import read_build_info
from orchestration.resources import WarehouseResource
from orchestration.schedules import nightly_refresh_schedule
from orchestration.settings import PROJECT_ROOT
from test_refresh import copy_of_published
from test_safety import cli_env


def test_the_build_record_holds_the_inputs_it_was_built_from(warehouse_db):
    with connect(warehouse_db, read_only=True) as connection:
        build = read_build_info(connection)
    landing = warehouse_db.parent / "landing"
    assert build["project_fingerprint"] == build_inputs.project_fingerprint()
    assert build["landing_fingerprint"] == build_inputs.current_landing_fingerprint(landing)
    assert build_inputs.nothing_changed(build, landing)
    assert not build_inputs.nothing_changed(build, landing.parent / "elsewhere")


def test_a_changed_file_model_or_setting_is_a_change(warehouse_db, tmp_path, monkeypatch):
    published, landing = copy_of_published(warehouse_db, tmp_path)
    with connect(published, read_only=True) as connection:
        build = read_build_info(connection) | {"landing_dir": str(landing)}
    build["landing_fingerprint"] = build_inputs.current_landing_fingerprint(landing)
    assert build_inputs.nothing_changed(build, landing)
    monkeypatch.setenv("EXPORT_MIN_UNITS", "7")  # changes what the exports and the report hold
    assert not build_inputs.nothing_changed(build, landing)
    monkeypatch.delenv("EXPORT_MIN_UNITS")
    export = sorted((landing / "waves" / "w1_2023").glob("*.csv"))[0]
    export.touch()  # a newer time, the same bytes: no change
    assert build_inputs.nothing_changed(build, landing)
    export.write_bytes(export.read_bytes() + b"\n")
    assert not build_inputs.nothing_changed(build, landing)


def test_the_nightly_schedule_skips_an_unchanged_warehouse(warehouse_db, tmp_path):
    published, landing = copy_of_published(warehouse_db, tmp_path)
    warehouse = WarehouseResource(db_path=str(warehouse_db), landing_dir=str(warehouse_db.parent / "landing"))
    with (
        instance_for_test() as instance,
        build_schedule_context(instance=instance, resources={"warehouse": warehouse}) as context,
    ):
        assert isinstance(nightly_refresh_schedule(context), SkipReason)
    elsewhere = WarehouseResource(db_path=str(published), landing_dir=str(landing))  # built from another folder
    with (
        instance_for_test() as instance,
        build_schedule_context(instance=instance, resources={"warehouse": elsewhere}) as context,
    ):
        assert isinstance(nightly_refresh_schedule(context), RunRequest)


def test_make_run_with_nothing_changed_stops_within_seconds_and_publishes_nothing(warehouse_db, tmp_path):
    landing = warehouse_db.parent / "landing"  # the session warehouse was built from this very folder
    published = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_db, published)
    env = cli_env(published, landing, tmp_path / "dagster_home")
    before, started = published.read_bytes(), time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Nothing changed since" in result.stdout and "FORCE=1" in result.stdout
    assert "Waves: w1_2023" in result.stdout  # the summary of what is published
    assert time.monotonic() - started < 30
    assert published.read_bytes() == before and not (tmp_path / "warehouse.duckdb.history").exists()
