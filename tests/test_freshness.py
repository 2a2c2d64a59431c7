"""What goes stale (issue 20, part 5): a connected wave in fieldwork not pulled for 26 hours, a Taskforce
snapshot older than the usual interval; both as Dagster freshness policies and as `make run`'s lines."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
from dagster import DagsterInstance

from orchestration.assets.qualtrics import PULL_FRESHNESS, qualtrics_responses
from orchestration.freshness import (
    TASKFORCE_FRESHNESS,
    TASKFORCE_SNAPSHOT_KEY,
    report_latest_snapshot,
    stale_lines,
    taskforce_staleness,
    usual_interval,
)
from orchestration.qualtrics.pull import STATE_NAME

NOW = dt.datetime(2025, 3, 20, 8, 0, tzinfo=dt.UTC)
MONTHLY = [dt.date(2025, month, 15) for month in range(1, 4)]


def connected_landing(tmp_path, pulled_at: dt.datetime | None):
    folder = tmp_path / "landing" / "waves" / "w9_2025"
    folder.mkdir(parents=True)
    (folder / "codebook.yaml").write_text(
        "wave:\n  id: w9_2025\n  fieldwork_start: 2025-03-10\n  fieldwork_end: "
        "2025-04-04\n  qualtrics: {survey_id: SV_abc123}\n",
        encoding="utf-8",
    )
    if pulled_at is not None:
        (folder / STATE_NAME).write_text(json.dumps({"survey_id": "SV_abc123", "pulled_at": pulled_at.isoformat()}))
    (tmp_path / "landing" / "taskforce").mkdir()
    (tmp_path / "landing" / "taskforce" / "taskforce_2025.csv").write_text("peildatum\n", encoding="utf-8")
    return tmp_path / "landing"


def published(dates) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("create schema marts")
    connection.execute("create table marts.mart_taskforce_timeseries (snapshot_date date)")
    connection.executemany("insert into marts.mart_taskforce_timeseries values (?)", [[day] for day in dates])
    return connection


def test_the_policies_are_on_the_assets():
    assert PULL_FRESHNESS.fail_window.to_timedelta() == dt.timedelta(hours=26)
    assert qualtrics_responses.specs_by_key[qualtrics_responses.key].freshness_policy == PULL_FRESHNESS
    assert TASKFORCE_FRESHNESS.fail_window.to_timedelta() == dt.timedelta(days=35)


def test_a_wave_in_fieldwork_not_pulled_for_26_hours_is_stale(tmp_path):
    landing = connected_landing(tmp_path / "a", NOW - dt.timedelta(hours=30))
    lines = stale_lines(published(MONTHLY), landing, NOW)
    assert lines[0] == "Stale:" and "wave w9_2025 was last pulled from Qualtrics 30 hours ago" in lines[1]
    assert stale_lines(published(MONTHLY), connected_landing(tmp_path / "b", NOW - dt.timedelta(hours=2)), NOW) == []
    never = stale_lines(published(MONTHLY), connected_landing(tmp_path / "c", None), NOW)
    assert "wave w9_2025 is in fieldwork and was never pulled from Qualtrics (survey SV_abc123)" in never[1]
    after = NOW.replace(month=5)  # past fieldwork_end + 7 days: not in fieldwork, never stale
    assert not any(
        "w9_2025" in line
        for line in stale_lines(published([after.date()]), connected_landing(tmp_path / "d", None), after)
    )


def test_a_taskforce_snapshot_older_than_its_usual_interval_is_stale():
    assert usual_interval(MONTHLY) == 30
    assert taskforce_staleness(MONTHLY, dt.date(2025, 4, 10)) == []
    assert taskforce_staleness(MONTHLY, dt.date(2025, 5, 1)) == [
        "the newest Taskforce snapshot is of 2025-03-15, 47 days ago; they usually come every 30 days: add the newer "
        "one to taskforce/"
    ]
    assert taskforce_staleness(MONTHLY, dt.date(2025, 5, 1), synthetic=True) == []  # the bundled demo
    assert taskforce_staleness(MONTHLY[:1], dt.date(2026, 1, 1)) == []  # one date: no interval to compare with


def test_without_qualtrics_or_new_data_nothing_is_listed(tmp_path):
    landing = tmp_path / "landing"
    (landing / "waves" / "w1").mkdir(parents=True)
    (landing / "waves" / "w1" / "codebook.yaml").write_text("wave:\n  id: w1\n", encoding="utf-8")
    assert stale_lines(published(MONTHLY), landing, dt.datetime(2025, 4, 1, tzinfo=dt.UTC)) == []


def test_the_latest_snapshot_materializes_only_when_a_newer_one_arrives():
    instance = DagsterInstance.ephemeral()
    assert report_latest_snapshot(instance, ["2025-01-15", "2025-02-15", "2999-01-01", "not a date"]) == "2025-02-15"
    assert report_latest_snapshot(instance, ["2025-01-15", "2025-02-15"]) is None
    assert report_latest_snapshot(instance, ["2025-03-15"]) == "2025-03-15"
    event = instance.get_latest_materialization_event(TASKFORCE_SNAPSHOT_KEY)
    assert event.asset_materialization.metadata["peildatum"].value == "2025-03-15"
