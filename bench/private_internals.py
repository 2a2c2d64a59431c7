"""What each private Dagster / dagster-dbt internal this project overrides still saves, on the installed
versions (bench/README.md, "Private internals"). Run: `.venv/bin/python bench/private_internals.py`.

- `DbtCliResource._cli_version`: dagster-dbt runs `dbt --version` in a subprocess per dbt invocation;
  `WarehouseDbtCliResource` reads the installed dbt-core version instead.
- `DbtCliResource._initialize_dbt_core_adapter`: dagster-dbt opens a dbt adapter in the Dagster process
  per invocation (only its row-count and column-metadata helpers use it); ours opens none.
- `SqliteEventLogStorage._connect`: Dagster's SQLite event log opens an engine per access;
  `KeptConnectionSqliteEventLogStorage` keeps one per database file. Measured on a run's worth of events
  (~760 writes and a read every third event, what a sample refresh stores).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EVENTS = 760


def seconds(action, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def dbt_version_subprocess() -> None:
    subprocess.run([str(Path(sys.executable).parent / "dbt"), "--version"], check=True, capture_output=True)


def dbt_adapter() -> None:
    from dagster_dbt import DbtCliResource

    from orchestration.dbt_project import dbt_project

    resource = DbtCliResource(
        project_dir=dbt_project, target="dev", dbt_executable=str(Path(sys.executable).parent / "dbt")
    )
    resource._initialize_dbt_core_adapter(["build"])


def event_log(storage_class) -> float:
    from dagster._core.events import DagsterEvent, DagsterEventType, EngineEventData
    from dagster._core.events.log import EventLogEntry

    with tempfile.TemporaryDirectory() as folder:
        storage = storage_class(folder)
        started = time.perf_counter()
        for number in range(EVENTS):
            event = DagsterEvent(DagsterEventType.ENGINE_EVENT.value, "job", event_specific_data=EngineEventData())
            storage.store_event(
                EventLogEntry(
                    error_info=None,
                    level=10,
                    user_message="",
                    run_id="run",
                    timestamp=time.time(),
                    dagster_event=event,
                    job_name="job",
                )
            )
            if number % 3 == 0:
                storage.get_logs_for_run("run", limit=1)
        elapsed = time.perf_counter() - started
        storage.dispose()
    return elapsed


def main() -> int:
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    from orchestration.instance_storage import KeptConnectionSqliteEventLogStorage

    os.chdir(ROOT / "dbt_project")
    print(f"dbt --version in a subprocess (per dbt invocation): {seconds(dbt_version_subprocess):.2f} s")
    print(f"dbt adapter in the Dagster process (per dbt invocation): {seconds(dbt_adapter):.2f} s")
    plain = statistics.median(event_log(SqliteEventLogStorage) for _ in range(3))
    kept = statistics.median(event_log(KeptConnectionSqliteEventLogStorage) for _ in range(3))
    print(
        f"event log, {EVENTS} events: Dagster's SQLite {plain:.2f} s, connections kept {kept:.2f} s "
        f"(saves {plain - kept:.2f} s a run)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
