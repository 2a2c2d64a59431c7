"""The local Dagster instance the Makefile writes: its event log keeps connections open
(orchestration/instance_storage.py) and stays readable as Dagster's own SQLite history."""

from __future__ import annotations

import subprocess

import pytest
from dagster import AssetKey, DagsterInstance, asset, materialize
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.instance_storage import ENGINES_KEPT, KeptConnectionSqliteEventLogStorage
from orchestration.settings import PROJECT_ROOT


@asset
def counted_rows() -> int:
    return 3


@pytest.fixture
def makefile_instance(tmp_path):
    subprocess.run(
        ["make", "-s", str(tmp_path / "dagster.yaml"), f"DAGSTER_HOME={tmp_path}"],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        yield instance


def test_the_makefile_instance_keeps_event_log_connections(makefile_instance):
    storage = makefile_instance.event_log_storage
    assert isinstance(storage, KeptConnectionSqliteEventLogStorage)
    run_ids = [materialize([counted_rows], instance=makefile_instance).run_id for _ in range(ENGINES_KEPT + 2)]
    # one engine per database file, the least recently used closed: the index and the latest runs
    assert len(storage._engines) == ENGINES_KEPT
    assert "index" in storage._engines and run_ids[-1] in storage._engines and run_ids[0] not in storage._engines
    # a run whose connection was closed is read again through a new one
    assert any(
        record.dagster_event and record.dagster_event.event_type_value == "ASSET_MATERIALIZATION"
        for record in makefile_instance.all_logs(run_ids[0])
    )


def test_its_history_is_dagsters_own_sqlite_history(makefile_instance, tmp_path):
    """Same files, same tables: Dagster's default SQLite event log (a UI on another instance config, an
    older checkout) reads what this one wrote, also while this one still holds its connections."""
    run_id = materialize([counted_rows], instance=makefile_instance).run_id
    written = [
        record.dagster_event.event_type_value for record in makefile_instance.all_logs(run_id) if record.dagster_event
    ]
    plain = SqliteEventLogStorage(str(tmp_path / "history" / "runs"))
    try:
        read = [
            record.event_log_entry.dagster_event.event_type_value
            for record in plain.get_records_for_run(run_id).records
            if record.event_log_entry.dagster_event
        ]
        assert read == written and "ASSET_MATERIALIZATION" in read
        latest = plain.get_latest_materialization_events([AssetKey("counted_rows")])[AssetKey("counted_rows")]
        assert latest is not None and latest.run_id == run_id
    finally:
        plain.dispose()


def test_wiping_the_history_closes_the_kept_connections_first(makefile_instance, tmp_path):
    run_id = materialize([counted_rows], instance=makefile_instance).run_id
    assert (tmp_path / "history" / "runs" / f"{run_id}.db").exists()
    makefile_instance.event_log_storage.wipe()
    assert not (tmp_path / "history" / "runs" / f"{run_id}.db").exists()
    assert list(makefile_instance.event_log_storage._engines) in ([], ["index"])
    assert materialize([counted_rows], instance=makefile_instance).success  # and it goes on writing
