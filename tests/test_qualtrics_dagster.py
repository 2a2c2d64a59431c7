"""The pull in Dagster and on the command line (contract §5.2): the schedule runs during fieldwork only and
skips without the variables, the asset skips cleanly without them, `python -m orchestration.cli pull` pulls
through the `pull_qualtrics` job, and a pull killed with SIGKILL mid-download changes nothing a refresh can
see: the next pull brings everything. The token is in no file of the landing or of the Dagster instance."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dagster import DagsterInstance, SkipReason, materialize

from orchestration.assets.qualtrics import QualtricsResource, plan_pulls, qualtrics_pull_schedule, qualtrics_responses
from orchestration.partitions import wave_partitions
from orchestration.qualtrics.pull import STATE_NAME, TEMP_PREFIX, pull_files, read_state
from orchestration.resources import WarehouseResource
from orchestration.settings import PROJECT_ROOT
from test_qualtrics_pull import SURVEY, TOKEN, WAVE, fake, landing, response, rows, snapshot  # noqa: F401


def cli(args: list[str], env: dict[str, str], **options) -> subprocess.Popen | subprocess.CompletedProcess:
    command = [sys.executable, "-m", "orchestration.cli", *args]
    environment = {key: value for key, value in os.environ.items() if not key.startswith("QUALTRICS_")} | env
    if options.pop("background", False):
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    return subprocess.run(command, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=300)


def environment(tmp_path: Path, landing: Path, fake=None) -> dict[str, str]:
    values = {
        "WAREHOUSE_LANDING_DIR": str(landing),
        "WAREHOUSE_DB_PATH": str(tmp_path / "warehouse.duckdb"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    (tmp_path / "dagster_home").mkdir(exist_ok=True)
    if fake is not None:
        values |= {"QUALTRICS_API_TOKEN": TOKEN, "QUALTRICS_BASE_URL": fake.url}
    return values


def files_holding(root: Path, secret: str) -> list[str]:
    return [str(path) for path in root.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()]


# --- the schedule and the asset --------------------------------------------------------------------------------


def schedule_result(monkeypatch, landing: Path, day: dt.date, configured: bool = True):
    for name in ("QUALTRICS_API_TOKEN", "QUALTRICS_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    if configured:
        monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
        monkeypatch.setenv("QUALTRICS_BASE_URL", "fra1.qualtrics.com")
    result = plan_pulls(landing, day, {WAVE})
    return (result, []) if isinstance(result, SkipReason) else (None, result)


def test_the_schedule_pulls_connected_waves_in_fieldwork_only(monkeypatch, landing):
    _, during = schedule_result(monkeypatch, landing, dt.date(2025, 3, 20))
    assert [(request.partition_key, request.run_key) for request in during] == [(WAVE, f"{WAVE}:2025-03-20")]
    _, grace = schedule_result(monkeypatch, landing, dt.date(2025, 4, 11))
    assert [request.partition_key for request in grace] == [WAVE]  # fieldwork_end + 7 days
    after, _ = schedule_result(monkeypatch, landing, dt.date(2025, 4, 12))
    assert "no connected wave is in fieldwork on 2025-04-12" in after.skip_message
    unset, _ = schedule_result(monkeypatch, landing, dt.date(2025, 3, 20), configured=False)
    assert "QUALTRICS_API_TOKEN and QUALTRICS_BASE_URL are not set" in unset.skip_message


def test_the_schedule_is_on_and_daily():
    from dagster import DefaultScheduleStatus

    assert qualtrics_pull_schedule.default_status == DefaultScheduleStatus.RUNNING
    assert qualtrics_pull_schedule.cron_schedule == "0 6 * * *"


def test_without_the_variables_the_asset_materializes_nothing(tmp_path, landing):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(wave_partitions.name, [WAVE])
    before = snapshot(landing)
    result = materialize(
        [qualtrics_responses],
        partition_key=WAVE,
        instance=instance,
        resources={
            "warehouse": WarehouseResource(db_path=str(tmp_path / "w.duckdb"), landing_dir=str(landing)),
            "qualtrics": QualtricsResource(),
        },
    )
    assert result.success and not result.get_asset_materialization_events()
    assert snapshot(landing) == before


def test_the_asset_pulls_and_says_what_it_pulled(tmp_path, landing, fake):
    fake.record(SURVEY, response("R_1", "Gent"))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(wave_partitions.name, [WAVE])
    result = materialize(
        [qualtrics_responses],
        partition_key=WAVE,
        instance=instance,
        resources={
            "warehouse": WarehouseResource(db_path=str(tmp_path / "w.duckdb"), landing_dir=str(landing)),
            "qualtrics": QualtricsResource(base_url=fake.url, api_token=TOKEN),
        },
    )
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["responses"].value == 1 and metadata["new_responses"].value == 1
    assert metadata["summary"].value.startswith(f"{WAVE} (survey {SURVEY}): 1 response(s) (1 new, 0 modified")
    assert TOKEN not in repr(metadata)


# --- the command line ------------------------------------------------------------------------------------------


def test_pull_without_the_variables_says_which_and_changes_nothing(tmp_path, landing):
    before = snapshot(landing)
    done = cli(["pull"], environment(tmp_path, landing))
    assert done.returncode == 2
    assert "QUALTRICS_API_TOKEN and QUALTRICS_BASE_URL are not set" in done.stderr
    assert snapshot(landing) == before


def test_make_pull_then_a_killed_pull_then_a_normal_one(tmp_path, landing, fake):
    """SIGKILL while the server stalls the download: nothing a refresh would read changed (at most a hidden
    temporary file is left); the next pull removes it, resumes from the stored token and brings the rest."""
    env = environment(tmp_path, landing, fake)
    fake.record(SURVEY, response("R_1", "Gent"))
    done = cli(["pull", "--wave", WAVE], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{WAVE} (survey {SURVEY}): 1 response(s) (1 new, 0 modified" in done.stdout
    folder = landing / "waves" / WAVE
    token = read_state(folder)["continuation_token"]
    fake.record(SURVEY, response("R_2", "Aalst"))
    fake.record(SURVEY, response("R_1", "Gent (gewijzigd)", modified=2))
    fake.fail("file", "stall", seconds=60)
    fake.download_started.clear()
    visible = {name: data for name, data in snapshot(landing).items() if not Path(name).name.startswith(".")}
    state = (folder / STATE_NAME).read_bytes()
    running = cli(["pull"], env, background=True)
    try:
        assert fake.download_started.wait(120), "the pull never reached the download"
        time.sleep(0.3)
        os.kill(running.pid, signal.SIGKILL)
        running.wait(30)
    finally:
        if running.poll() is None:
            running.kill()
    fake.release.set()
    assert running.returncode == -signal.SIGKILL
    after = snapshot(landing)
    assert {name: data for name, data in after.items() if not Path(name).name.startswith(".")} == visible
    assert (folder / STATE_NAME).read_bytes() == state
    assert all(
        Path(name).name.startswith(TEMP_PREFIX) for name in set(after) - set(visible) - {f"waves/{WAVE}/{STATE_NAME}"}
    )
    fake.release.clear()
    done = cli(["pull"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert fake.calls("start")[-1]["body"]["continuationToken"] == token
    newest = pull_files(folder)[-1]
    assert {row["ResponseId"]: row["Q1"] for row in rows(newest)} == {"R_2": "Aalst", "R_1": "Gent (gewijzigd)"}
    assert "2 response(s) (1 new, 1 modified since an earlier pull)" in done.stdout
    assert not list(folder.glob(f"{TEMP_PREFIX}*"))
    # the token: nowhere in the landing, the Dagster instance (event log, run storage) or what the runs printed
    assert files_holding(landing, TOKEN) == []
    assert files_holding(tmp_path / "dagster_home", TOKEN) == []
    assert TOKEN not in done.stdout + done.stderr


def test_a_failed_pull_on_the_command_line_names_what_to_check(tmp_path, landing, fake):
    env = environment(tmp_path, landing, fake) | {"QUALTRICS_API_TOKEN": "wrong-token-4b1d"}
    before = snapshot(landing)
    done = cli(["pull"], env)
    assert done.returncode == 1
    assert (
        f"{WAVE}: the pull failed and changed nothing: wave {WAVE} (survey {SURVEY}): Qualtrics refused the API token (HTTP 401"
        in done.stderr
    )
    assert "QUALTRICS_API_TOKEN" in done.stderr and "wrong-token-4b1d" not in done.stdout + done.stderr
    assert snapshot(landing) == before
    assert files_holding(tmp_path / "dagster_home", "wrong-token-4b1d") == []
