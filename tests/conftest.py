"""One warehouse built per test session from the synthetic sample, in a temporary folder.

Building it (landing sample, raw loads, every dbt model and test) is the expensive part of the suite,
so tests that only read marts share it; tests that need other input build their own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import AssetSelection, DagsterInstance, deserialize_value, materialize, serialize_value
from filelock import FileLock

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from synthetic import build_wave1_sample, build_wave2_sample, write_landing

# Tests that need a browser, R or a PostgreSQL server say so with a marker (`needs_chromium`, ...): without
# the extra they are left out with one line that says what to install (tests/extras.py).
pytest_plugins = ["extras"]


def _prepare_stale_manifest() -> None:
    """`make test` prepares dbt's manifest; a bare `pytest` after editing a model or its YAML would load
    the old one (dagster-dbt reads it at import), so re-prepare it here when any dbt file is newer."""
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    sources = [DBT_PROJECT_DIR / "dbt_project.yml"] + [
        path
        for folder in ("models", "macros", "tests")
        for path in (DBT_PROJECT_DIR / folder).rglob("*")
        if path.suffix in (".sql", ".yml", ".py")
    ]  # not target/: every run leaves a folder of compiled SQL there
    if manifest.exists() and manifest.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return
    venv_bin = Path(sys.prefix) / "bin"  # dagster-dbt calls `dbt` from PATH
    subprocess.run(
        [str(venv_bin / "dagster-dbt"), "project", "prepare-and-package", "--file", "orchestration/dbt_project.py"],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"},
    )


_prepare_stale_manifest()

from orchestration.definitions import ALL_ASSETS  # noqa: E402  (needs the manifest)
from orchestration.deliverables.assets import wave_exports, wave_report, wave_scans  # noqa: E402
from orchestration.resources import WarehouseResource, dbt_resource  # noqa: E402

# Tests that build a whole warehouse through Dagster (minutes) are `e2e`; `make test-fast` leaves them out.
# The other fixtures named here build their own warehouse (a spoiled landing, hand-made follow-up waves).
E2E_FIXTURES = {"warehouse_build", "spoiled_warehouse", "follow_up", "follow_up_only"}


# `make test` runs two pytest-xdist workers (`--dist loadfile --no-loadscope-reorder`); each takes the next
# file in collection order when it runs dry. These files come first, longest builds first, so the workers
# end together: the session warehouse's first reader heads the list, so that build starts at once while
# the other worker builds on PostgreSQL (when a server is there) or the hand-made scenario warehouses.
LONGEST_FIRST = (
    "test_deliverables.py",
    "test_first_contact.py",
    "test_postgres_warehouse.py",
    "test_trends.py",
    "test_qsf_landing.py",
    "test_rules.py",
    "test_safety.py",
    "test_refresh.py",
    "test_failures.py",
    "test_reference.py",
    "test_orchestration.py",
    "test_dbt_unit.py",
)


def pytest_collection_modifyitems(items):
    for item in items:
        if E2E_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.e2e)
    # One process: the dbt unit tests run in a dbt subprocess started at collection, so their items go last
    # and their results are awaited after everything else ran (under xdist it starts on first use).
    # Reordered here, not later: pytest-xdist sends the controller each worker's order once collection
    # finishes and then names tests by their index in it.
    one_process = not os.environ.get("PYTEST_XDIST_WORKER")

    def position(item) -> tuple[bool, int]:
        name = item.path.name
        rank = LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
        return (one_process and item.get_closest_marker("dbt") is not None, rank)

    items.sort(key=position)  # stable: collection order within each rank


def pytest_collection_finish(session):
    if any(item.get_closest_marker("dbt") for item in session.items):
        from test_dbt_unit import start_unit_tests

        if not os.environ.get("PYTEST_XDIST_WORKER"):  # under xdist every worker collects: start on first use
            start_unit_tests()


# The files for people (per-wave exports, the HTML report with its charts, the municipality scans: ~15 s of
# CPU a build) come from the session build only, which tests/test_deliverables.py and tests/test_scan.py
# read; the other builds test the warehouse.
FILES_FOR_PEOPLE = AssetSelection.assets(wave_exports, wave_report, wave_scans)


# The builds of one test process make their drafts in one folder (set per session below): dbt sees the same
# database path build after build and re-parses only what changed, instead of the whole project each time
# (a new path means a new profile to dbt). A process builds one warehouse at a time.
DRAFTS: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def _drafts_folder(tmp_path_factory):
    DRAFTS[:] = [tmp_path_factory.mktemp("drafts")]


def warehouse_resource(db_path: Path, landing_dir: Path | str = "") -> WarehouseResource:
    return WarehouseResource(db_path=str(db_path), landing_dir=str(landing_dir), draft_dir=str(DRAFTS[0]))


def draft_path(db_path: Path) -> Path:
    """Where `build_warehouse` builds (and publishing takes) the draft of `db_path`."""
    return warehouse_resource(db_path).draft_path


def build_warehouse(db_path: Path, landing_dir: Path, selection=None, *, with_files: bool = False):
    if selection is None and not with_files:
        selection = AssetSelection.all() - FILES_FOR_PEOPLE
    resources = {
        "warehouse": warehouse_resource(db_path, landing_dir),
        "dbt": dbt_resource(target="duckdb"),  # the DuckDB suite, whatever WAREHOUSE_TARGET says
    }
    return materialize(
        ALL_ASSETS,
        resources=resources,
        instance=DagsterInstance.ephemeral(),
        selection=selection,
        raise_on_error=False,
    )


@pytest.fixture(scope="session")
def wave1_sample():
    """The SYNTHETIC wave-1 sample (seed 2023), built once per session: tests only read it."""
    return build_wave1_sample()


class BuildEvents:
    """The events of a finished build, read back from a file: what tests ask of Dagster's in-process result."""

    def __init__(self, events: list):
        self.all_events = events

    def get_asset_materialization_events(self) -> list:
        return [event for event in self.all_events if event.event_type_value == "ASSET_MATERIALIZATION"]


@pytest.fixture(scope="session")
def warehouse_build(tmp_path_factory, wave1_sample):
    """The run that built the session's warehouse from the synthetic sample (both waves, as `make run`).

    Built once per `pytest` invocation: under pytest-xdist the first worker that needs it builds it while
    the others wait on a lock file, then all read the same file (read-only) and the build's stored events."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the workers' common folder
    root = shared / "session_warehouse"
    events_file = root / "build_events.json"
    with FileLock(shared / "session_warehouse.lock"):
        if not events_file.exists():
            shutil.rmtree(root, ignore_errors=True)  # what a failed build left
            write_landing(wave1_sample, root / "landing", follow_ups=[build_wave2_sample(wave1_sample, 2023)])
            result = build_warehouse(root / "warehouse.duckdb", root / "landing", with_files=True)
            assert result.success, "building the warehouse from the synthetic sample failed"
            events_file.write_text(serialize_value(list(result.all_events)), encoding="utf-8")
    return root / "warehouse.duckdb", BuildEvents(deserialize_value(events_file.read_text(encoding="utf-8"), list))


@pytest.fixture(scope="session")
def warehouse_db(warehouse_build) -> Path:
    return warehouse_build[0]


@pytest.fixture(scope="session")
def warehouse(warehouse_db):
    connection = duckdb.connect(str(warehouse_db), read_only=True)
    yield connection
    connection.close()
